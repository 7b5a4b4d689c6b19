package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/ddxdns/ddx/internal/zonegen"
)

// lintRecords is the size of the generated zone file (issue 16's Cost).
const lintRecords = 1_000_000

// lintRows lints a generated zone file of a million records with ddx lint,
// named-checkzone -i local and kzonecheck, in turn, and prints their
// times, ratios and peak RSS.
func lintRows(bin, dir string, runs int) error {
	for _, b := range []string{"named-checkzone", "kzonecheck"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install bind9-utils knot-dnssecutils)", b)
		}
	}
	file := filepath.Join(dir, "million.example.zone")
	n, err := writeMillion(file)
	if err != nil {
		return err
	}
	st, _ := os.Stat(file)
	tools := []tool{
		{"ddx", []string{bin, "lint", file}},
		{"named", []string{"named-checkzone", "-i", "local", "million.example", file}},
		{"knot", []string{"kzonecheck", "-o", "million.example", file}},
	}
	// Each tool must accept the file: a failure would time an error path.
	for _, t := range tools {
		if out, err := exec.Command(t.argv[0], t.argv[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %v: %.2000s", t.argv, err, out)
		}
	}
	fmt.Printf("A generated zone file of %d records (%.0f MiB: A, AAAA, MX, CNAME, TXT, SRV, delegations with glue), linted by each tool in turn; %d runs each. Peak RSS is the largest of the runs.\n\n", n, float64(st.Size())/(1<<20), runs)
	res := measure(tools, runs)
	d := median(res["ddx"])
	fmt.Println("| tool | time | CPU time (user + system) | peak RSS | ddx/tool (time) | ddx/tool (CPU) |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, t := range []struct{ key, label string }{{"ddx", "ddx lint"}, {"named", "named-checkzone -i local"}, {"knot", "kzonecheck"}} {
		m := median(res[t.key])
		ratios := "| |"
		if t.key != "ddx" {
			ratios = fmt.Sprintf("%.2fx | %.2fx |", ratio(d, m), float64(medianCPU(res["ddx"]))/float64(medianCPU(res[t.key])))
		}
		fmt.Printf("| %s | %s | %s | %.0f MiB | %s\n", t.label, spread(res[t.key]), ms(medianCPU(res[t.key])), float64(maxRSS(res[t.key]))/1024, ratios)
	}
	return nil
}

// medianCPU is the median CPU time of the samples.
func medianCPU(s []sample) time.Duration {
	c := make([]time.Duration, len(s))
	for i, x := range s {
		c[i] = x.cpu
	}
	slices.Sort(c)
	return c[len(c)/2]
}

// writeMillion writes the generated zone of lintRecords records.
func writeMillion(path string) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := zonegen.Write(w, lintRecords)
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}
