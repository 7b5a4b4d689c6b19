package trace_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
)

// demo loads the demo universe with no simulated delay.
func demo(t testing.TB) *sim.Universe {
	t.Helper()
	return demotest.Universe(t)
}

func cfgFor(u *sim.Universe) trace.Config {
	return trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond}
}

func runTrace(t testing.TB, cfg trace.Config, name string, qtype uint16) *trace.Trace {
	t.Helper()
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func stepFor(t testing.TB, tr *trace.Trace, zone string) *trace.Step {
	t.Helper()
	for _, st := range tr.Steps {
		if st.Zone == zone && st.Lookup == 0 {
			return st
		}
	}
	t.Fatalf("no step for zone %s", zone)
	return nil
}

// small builds a universe from inline files: one root server that also
// serves example., and one more server with the given faults.
func small(t testing.TB, faults string) *sim.Universe {
	t.Helper()
	fsys := fstest.MapFS{
		"u/servers.conf": {Data: []byte("server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.example. zones=example. fault=" + faults + "\n")},
		"u/zones/root.zone": {Data: []byte(`. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
`)},
		"u/zones/example.zone": {Data: []byte(`example. 3600 SOA ns.example. h.example. 1 7200 1800 1209600 300
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
www.example. 3600 A 192.0.2.80
`)},
	}
	u, err := sim.Load(fsys, "u")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mainQuery(t testing.TB, tr *trace.Trace, zone string) *trace.Query {
	t.Helper()
	st := stepFor(t, tr, zone)
	if len(st.Servers) == 0 || len(st.Servers[0].Queries) == 0 {
		t.Fatalf("%s: no queries", zone)
	}
	return st.Servers[0].Queries[0]
}
