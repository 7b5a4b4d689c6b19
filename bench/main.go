// Command bench measures ddx against dig +trace, drill -T and
// zonemaster-cli on the lab (real BIND/NSD/Unbound behind the fault proxy,
// with per-server latency), and one query over plain DNS, DNS over TLS and
// DNS over HTTPS against dig, dig +tls and dig +https, alternating the
// tools run by run, and prints medians, ratios, the lower bound and peak
// RSS as Markdown tables.
//
//	go run ./bench [-runs 5] [-only lab,hostile,lint,dnssec]     (as root: it starts the lab)
//
// It also serves issue 18's hostile universes on loopback beside
// dig +trace (hostile.go), and lints a generated zone file of a million
// records beside named-checkzone and kzonecheck (lint.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/lab"
)

type tool struct {
	name string
	argv []string
}

type sample struct {
	wall time.Duration
	cpu  time.Duration // user and system
	rss  int64         // KiB
}

func main() {
	runs := flag.Int("runs", 5, "runs per tool and case")
	only := flag.String("only", "lab,hostile,lint,dnssec", "the sections to run, comma-separated")
	serve := flag.Int("serve", 0, "serve hostile universe `N` (1-5) on loopback until interrupted, and run nothing else")
	zone := flag.String("write-zone", "", "write the million-record zone file to `FILE`, and run nothing else")
	flag.Parse()
	if *zone != "" {
		n, err := writeMillion(*zone)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %d records\n", *zone, n)
		return
	}
	if *serve > 0 {
		if err := serveHostile(*serve); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*runs, strings.Split(*only, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs int, only []string) error {
	for _, b := range []string{"dig", "drill", "zonemaster-cli", "unshare", "/usr/bin/time"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install bind9-dnsutils ldnsutils zonemaster-cli util-linux time)", b)
		}
	}
	dir, err := os.MkdirTemp("", lab.WorkDirPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "ddx")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/ddx").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	var peak int64
	for _, section := range only {
		switch section {
		case "lab":
			err = labRows(bin, dir, runs, &peak)
		case "hostile":
			err = hostileRows(bin, dir, max(1, runs/2), &peak)
		case "lint":
			err = lintRows(bin, dir, max(3, runs/2))
		case "dnssec":
			err = dnssecRows(bin, dir, runs, &peak)
		default:
			err = fmt.Errorf("-only: unknown section %q (lab, hostile, lint, dnssec)", section)
		}
		if err != nil {
			return err
		}
		fmt.Println()
	}
	if peak > 0 {
		fmt.Printf("Peak RSS of ddx trace, ddx check and ddx's queries (lint apart): %.1f MiB\n", float64(peak)/1024)
	}
	return nil
}

// labRows measures ddx against dig, drill and zonemaster-cli on the lab.
func labRows(bin, dir string, runs int, peak *int64) error {
	l, err := lab.Start(context.Background(), ddx.Universe, ddx.UniverseDir, dir, func(string, ...any) {})
	if err != nil {
		return err
	}
	defer l.Stop()
	root := l.Public("198.51.100.1").String()
	// dig +trace finds name server addresses through the system resolver:
	// give it the lab's, in a private mount namespace.
	rc := filepath.Join(dir, "resolv.conf")
	// Only the nameserver line: dig reads timeout and attempts from
	// resolv.conf too, and the anchor must run with its own defaults.
	os.WriteFile(rc, []byte("nameserver "+lab.BindAddr.String()+"\n"), 0o644)
	dig := func(opts, name string) []string {
		return []string{"unshare", "-m", "sh", "-c", fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec dig +trace %s @%s %s A", rc, opts, root, name)}
	}
	ddxTrace := func(name string) []string {
		return []string{bin, "trace", "--root-hints", l.Hints, "-4", "-o", "json", name}
	}

	fmt.Printf("Lab: BIND/NSD/Unbound behind the fault proxy, per-server latency from testdata/universe/servers.conf (root 12-20 ms, TLDs 25-36 ms, zones 40-45 ms); %d runs each, alternating.\n\n", runs)
	start := median(measure([]tool{{"ddx version", []string{bin, "version"}}}, runs)["ddx version"])
	fmt.Printf("Process start (ddx version): %s\n\n", ms(start.wall))
	fmt.Println("| case | ddx | dig +trace | drill -T | ddx/dig | ddx/drill | lower bound + start | ddx/bound | dig +time=1 +tries=2 | ddx/that |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, c := range []struct{ label, name string }{
		{"healthy name", "www.healthy.test"},
		{"zone with one dead server", "www.halfdead.test"},
		{"zone whose servers are all dead", "www.dead.test"},
	} {
		tools := []tool{
			{"ddx", ddxTrace(c.name)},
			{"dig", dig("", c.name)},
			// dig with about ddx's patience (1.5 s x 2): how much of the
			// difference is asking in parallel rather than waiting less.
			{"dig-short", dig("+time=1 +tries=2", c.name)},
			{"drill", []string{"drill", "-T", "-r", l.Hints, c.name}},
		}
		res := measure(tools, runs)
		d, g, r, gs := median(res["ddx"]), median(res["dig"]), median(res["drill"]), median(res["dig-short"])
		bound := lowerBound(ddxTrace(c.name)) + start.wall
		*peak = max(*peak, maxRSS(res["ddx"]))
		fmt.Printf("| %s | %s | %s | %s | %.2fx | %.2fx | %s | %.2fx | %s | %.2fx |\n", c.label, spread(res["ddx"]), spread(res["dig"]), spread(res["drill"]),
			ratio(d, g), ratio(d, r), ms(bound), float64(d.wall)/float64(bound), spread(res["dig-short"]), ratio(d, gs))
	}
	fmt.Println()
	fmt.Println("| case | ddx check | zonemaster-cli | ddx/zonemaster |")
	fmt.Println("|---|---|---|---|")
	for _, c := range []struct{ label, zone string }{
		{"healthy zone", "healthy.test"},
		{"broken zone (lame server)", "lame.test"},
	} {
		tools := []tool{
			{"ddx", []string{bin, "check", "--root-hints", l.Hints, "-4", "-o", "json", c.zone}},
			{"zonemaster", []string{"zonemaster-cli", "--hints", l.Hints, "--no-ipv6", "--json", "--raw", c.zone}},
		}
		res := measure(tools, max(1, runs/2))
		d, z := median(res["ddx"]), median(res["zonemaster"])
		*peak = max(*peak, maxRSS(res["ddx"]))
		fmt.Printf("| %s | %s | %s | %.2fx |\n", c.label, ms(d.wall), ms(z.wall), ratio(d, z))
	}
	fmt.Println()
	return transports(bin, l, runs, peak)
}

// transports measures one query to the lab's encrypted Unbound over plain
// DNS, DNS over TLS and DNS over HTTPS, ddx's one-resolver mode beside dig
// over the same transport, both verifying the certificate against the lab
// CA. The answer is in the resolver's cache: what is measured is process
// start, connection, TLS handshake, HTTP/2 and one exchange.
func transports(bin string, l *lab.Lab, runs int, peak *int64) error {
	const name = "www.healthy.test"
	at := "@" + lab.EncryptedAddr.String()
	warm := exec.Command("dig", at, name, "A", "+time=3", "+tries=2")
	if out, err := warm.CombinedOutput(); err != nil {
		return fmt.Errorf("the encrypted resolver does not answer: %v: %s", err, out)
	}
	n := 4 * runs
	fmt.Printf("One query to the lab's Unbound (%s), answer cached, certificate verified against the lab CA; %d runs each, alternating.\n\n", lab.EncryptedAddr, n)
	fmt.Println("| query | ddx | dig | ddx/dig |")
	fmt.Println("|---|---|---|---|")
	ddxQuery := func(resolver string) []string {
		return []string{bin, name, "A", "@" + resolver, "--tls-ca", l.CA, "-4", "-o", "json"}
	}
	for _, c := range []struct {
		label string
		ddx   []string
		dig   []string
	}{
		{"plain DNS (UDP)", ddxQuery(lab.EncryptedAddr.String()), []string{"dig", at, name, "A"}},
		{"DNS over TLS", ddxQuery(lab.DoTURL()), []string{"dig", "+tls", "+tls-ca=" + l.CA, fmt.Sprintf("-p%d", lab.DoTPort), at, name, "A"}},
		{"DNS over HTTPS", ddxQuery(lab.DoHURL()), []string{"dig", "+https=" + lab.DoHPath, "+tls-ca=" + l.CA, fmt.Sprintf("-p%d", lab.DoHPort), at, name, "A"}},
	} {
		for _, argv := range [][]string{c.ddx, c.dig} {
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %v: %s", argv, err, out)
			}
		}
		res := measure([]tool{{"ddx", c.ddx}, {"dig", c.dig}}, n)
		*peak = max(*peak, maxRSS(res["ddx"]))
		fmt.Printf("| %s | %s | %s | %.2fx |\n", c.label, spread(res["ddx"]), spread(res["dig"]), ratio(median(res["ddx"]), median(res["dig"])))
	}
	return nil
}

// runTimed runs argv under GNU time and returns its wall and CPU time and
// its own peak RSS. The rusage of a child the bench starts itself would
// count the bench's own peak too: Go starts children with vfork, and exec
// records the parent's high-water mark as the child's. GNU time forks.
func runTimed(ctx context.Context, argv []string, stdout io.Writer) sample {
	f, err := os.CreateTemp("", "ddx-bench-rss")
	if err != nil {
		return sample{}
	}
	f.Close()
	defer os.Remove(f.Name())
	cmd := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", "-o", f.Name()}, argv...)...)
	cmd.Stdout = stdout
	// A run cut short ends with everything it started (time's child).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	begin := time.Now()
	cmd.Run() // exit codes report findings; the time is what counts
	s := sample{wall: time.Since(begin)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()) // time's, and its child's
	}
	b, _ := os.ReadFile(f.Name())
	fields := strings.Fields(string(b))
	if len(fields) > 0 {
		fmt.Sscan(fields[len(fields)-1], &s.rss)
	}
	return s
}

// measure runs the tools in turn (A B C A B C ...) and collects samples.
func measure(tools []tool, runs int) map[string][]sample {
	out := map[string][]sample{}
	for i := 0; i < runs; i++ {
		for _, t := range tools {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			out[t.name] = append(out[t.name], runTimed(ctx, t.argv, nil))
			cancel()
		}
	}
	return out
}

func median(s []sample) sample {
	c := append([]sample{}, s...)
	sort.Slice(c, func(i, j int) bool { return c[i].wall < c[j].wall })
	return c[len(c)/2]
}

func maxRSS(s []sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.rss)
	}
	return m
}

func ratio(a, b sample) float64 { return float64(a.wall) / float64(b.wall) }

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// spread is the median with the fastest and slowest run: dig and drill
// pick one server at random, so their times can be bimodal.
func spread(s []sample) string {
	lo, hi := s[0].wall, s[0].wall
	for _, x := range s {
		lo, hi = min(lo, x.wall), max(hi, x.wall)
	}
	return fmt.Sprintf("%s (%d-%d)", ms(median(s).wall), lo.Milliseconds(), hi.Milliseconds())
}

// lowerBound is the sum over the zone cuts of the query's own path of the
// fastest server's RTT: no resolver that asks in order can beat it.
func lowerBound(argv []string) time.Duration {
	out, _ := exec.Command(argv[0], argv[1:]...).Output()
	var doc struct {
		Steps []struct {
			Lookup  int
			Servers []struct {
				Queries []struct {
					Purpose string
					RTTms   float64 `json:"rtt_ms"`
					Rcode   string
				}
			}
		}
	}
	if json.Unmarshal(out, &doc) != nil {
		return 0
	}
	var total float64
	for _, st := range doc.Steps {
		if st.Lookup != 0 {
			continue
		}
		best := -1.0
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose == "resolve" && q.Rcode != "" && (best < 0 || q.RTTms < best) {
					best = q.RTTms
				}
			}
		}
		if best > 0 {
			total += best
		}
	}
	return time.Duration(total * float64(time.Millisecond))
}
