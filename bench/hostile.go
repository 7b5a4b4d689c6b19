package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ddxdns/ddx/internal/hostile"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// hostileRows serves each of issue 18's attack classes (package hostile,
// moved to 127.100-109.x.x) on loopback, from the simulated universe the
// trace tests use, and runs ddx trace and dig +trace against it in turn.
// The universe counts the packets each run sends it; ddx's peak RSS and
// the size of its text output are what the issue bounds (100 MiB, 2 MiB,
// 15 s).
func hostileRows(bin, dir string, runs int, peak *int64) error {
	rc := filepath.Join(dir, "resolv.hostile.conf")
	// dig looks up NS names (the root's too) through the system resolver:
	// give it the universe's own.
	if err := os.WriteFile(rc, []byte("nameserver "+resolverAddr.String()+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("Issue 18's hostile universes, served on loopback by the simulated servers the trace tests use (no latency); %d runs each, alternating. Packets are counted by the servers (ddx's include its DS and DNSKEY questions).\n\n", runs)
	fmt.Println("| case | ddx trace | packets | peak RSS | text | outcome | dig +trace | packets | ddx/dig |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, c := range hostile.Classes {
		u, stop, err := serveClass(c)
		if err != nil {
			return err
		}
		ddxArgv := []string{bin, "trace", "--root", hostile.LoopbackRoot, c.Qname, c.Qtype}
		digArgv := []string{"unshare", "-m", "sh", "-c", fmt.Sprintf("mount --bind %s /etc/resolv.conf && exec dig +trace @%s %s %s", rc, hostile.LoopbackRoot, c.Qname, c.Qtype)}
		var ds, gs []sample
		var dp, gp, text []int
		for i := 0; i < runs; i++ {
			s, n, out := runCounted(u, ddxArgv)
			ds, dp, text = append(ds, s), append(dp, n), append(text, out)
			s, n, _ = runCounted(u, digArgv)
			gs, gp = append(gs, s), append(gp, n)
		}
		outcome := hostileOutcome(append(ddxArgv, "-o", "json"))
		stop()
		*peak = max(*peak, maxRSS(ds))
		fmt.Printf("| %s | %s | %s | %.1f MiB | %s | %s | %s | %s | %.2fx |\n", c.Name, spreadCut(ds), intRange(dp), float64(maxRSS(ds))/1024,
			kib(maxInt(text)), outcome, spreadCut(gs), intRange(gp), ratio(median(ds), median(gs)))
	}
	return nil
}

// runLimit is how long a run in a hostile universe may take.
const runLimit = time.Minute

// spreadCut is spread, saying when runs were cut at runLimit.
func spreadCut(s []sample) string {
	cut := 0
	for _, x := range s {
		if x.wall >= runLimit {
			cut++
		}
	}
	if cut > 0 {
		return fmt.Sprintf("%s, %d of %d cut at %s", spread(s), cut, len(s), runLimit)
	}
	return spread(s)
}

// runCounted runs argv once (at most runLimit) and returns its time and
// RSS, the packets the universe received meanwhile and the bytes it wrote
// on stdout.
func runCounted(u *sim.Universe, argv []string) (sample, int, int) {
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	var out countWriter
	before := u.Count()
	s := runTimed(ctx, argv, &out)
	return s, u.Count() - before, out.n
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// hostileOutcome is the rcode of ddx's answer, from its JSON.
func hostileOutcome(argv []string) string {
	out, _ := exec.Command(argv[0], argv[1:]...).Output()
	var doc struct{ Outcome struct{ Rcode string } }
	if json.Unmarshal(out, &doc) != nil || doc.Outcome.Rcode == "" {
		return "?"
	}
	return doc.Outcome.Rcode
}

// resolverAddr is a recursive resolver over the hostile universe (the
// simulation's, without a cache), for dig's lookups of NS addresses.
var resolverAddr = netip.MustParseAddr("127.100.0.53")

// serveClass serves a hostile universe on loopback, with a resolver.
func serveClass(c hostile.Class) (*sim.Universe, func(), error) {
	fsys := hostile.Loopback(c.FS())
	conf := fsys[hostile.Dir+"/servers.conf"]
	conf.Data = append(conf.Data, []byte("resolver "+resolverAddr.String()+" resolver.bench.\n")...)
	u, err := sim.Load(fsys, hostile.Dir)
	if err != nil {
		return nil, nil, err
	}
	stop, err := serveLoopback(u, append(u.Addresses(), resolverAddr))
	return u, stop, err
}

// serveLoopback serves every server of u at its address, port 53, over
// UDP and TCP, answering as the simulation does (truncating over UDP to
// the query's buffer). It returns a function that stops them.
func serveLoopback(u *sim.Universe, addrs []netip.Addr) (func(), error) {
	var servers []*dns.Server
	var wg sync.WaitGroup
	stop := func() {
		for _, s := range servers {
			s.Shutdown()
		}
		wg.Wait()
	}
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, 53)
		h := dns.HandlerFunc(func(w dns.ResponseWriter, m *dns.Msg) {
			transport := "udp"
			if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
				transport = "tcp"
			}
			r, _, err := u.Exchange(context.Background(), m, ap, transport)
			if err == nil && r != nil {
				r.Compress = true // as real servers do: 3,000 NS names fit a TCP message only compressed
				w.WriteMsg(r)
			}
		})
		pc, err := net.ListenPacket("udp", ap.String())
		if err != nil {
			stop()
			return nil, err
		}
		ln, err := net.Listen("tcp", ap.String())
		if err != nil {
			pc.Close()
			stop()
			return nil, err
		}
		for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
			started := make(chan struct{})
			srv.NotifyStartedFunc = func() { close(started) }
			servers = append(servers, srv)
			wg.Add(1)
			go func() { defer wg.Done(); srv.ActivateAndServe() }()
			<-started
		}
	}
	return stop, nil
}

func intRange(v []int) string {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

func maxInt(v []int) int {
	m := 0
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func kib(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return strings.TrimSuffix(fmt.Sprintf("%.0f KiB", float64(n)/1024), ".0")
}

// serveHostile serves hostile universe n (from 1) until SIGINT or
// SIGTERM, to try other tools on it by hand.
func serveHostile(n int) error {
	if n > len(hostile.Classes) {
		return fmt.Errorf("-serve: %d universes", len(hostile.Classes))
	}
	c := hostile.Classes[n-1]
	u, stop, err := serveClass(c)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("%s: dig +trace @%s %s %s\n", c.Name, hostile.LoopbackRoot, c.Qname, c.Qtype)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	fmt.Printf("%d packets\n", u.Count())
	return nil
}
