package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

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
	d, g, k := median(res["ddx"]), median(res["named"]), median(res["knot"])
	fmt.Println("| tool | time | peak RSS | ddx/tool |")
	fmt.Println("|---|---|---|---|")
	fmt.Printf("| ddx lint | %s | %.0f MiB | |\n", spread(res["ddx"]), float64(maxRSS(res["ddx"]))/1024)
	fmt.Printf("| named-checkzone -i local | %s | %.0f MiB | %.2fx |\n", spread(res["named"]), float64(maxRSS(res["named"]))/1024, ratio(d, g))
	fmt.Printf("| kzonecheck | %s | %.0f MiB | %.2fx |\n", spread(res["knot"]), float64(maxRSS(res["knot"]))/1024, ratio(d, k))
	return nil
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
