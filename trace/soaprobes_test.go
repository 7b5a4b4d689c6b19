package trace_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// manyPrimaries is a zone whose six servers each serve a copy whose SOA
// names another primary, none of them listed, each primary with ten
// addresses; the root also delegates it to ten name servers in a sibling
// zone, with glue: a hostile zone.
func manyPrimaries(t *testing.T) *sim.Universe {
	t.Helper()
	fs := fstest.MapFS{}
	var conf, root strings.Builder
	conf.WriteString("server 192.0.2.1 a.root. zones=.\n")
	root.WriteString(". 3600 SOA a.root. h.root. 1 7200 1800 1209600 300\n. 3600 NS a.root.\na.root. 3600 A 192.0.2.1\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&conf, "server 198.51.100.%d ns%d.example. zones=example.:ex%d\n", i, i, i)
		fmt.Fprintf(&root, "example. 3600 NS ns%d.example.\nns%d.example. 3600 A 198.51.100.%d\n", i, i, i)
		var z strings.Builder
		fmt.Fprintf(&z, "example. 3600 SOA p%d.example. h.example. 1 7200 1800 1209600 300\n", i)
		for j := 1; j <= 6; j++ {
			fmt.Fprintf(&z, "example. 3600 NS ns%d.example.\nns%d.example. 3600 A 198.51.100.%d\n", j, j, j)
		}
		for p := 1; p <= 6; p++ {
			for j := 1; j <= 10; j++ {
				fmt.Fprintf(&z, "p%d.example. 3600 A 198.51.100.%d\n", p, j)
			}
		}
		fs[fmt.Sprintf("u/zones/ex%d.zone", i)] = &fstest.MapFile{Data: []byte(z.String())}
	}
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&root, "example. 3600 NS s%d.sibling.\ns%d.sibling. 3600 A 198.51.100.%d\n", i, i, 1+i%6)
	}
	fs["u/servers.conf"] = &fstest.MapFile{Data: []byte(conf.String())}
	fs["u/zones/root.zone"] = &fstest.MapFile{Data: []byte(root.String())}
	u, err := sim.Load(fs, "u")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPrimariesAreBounded: however many primaries the servers name, check
// probes at most four per zone cut, and a plain trace probes none.
func TestPrimariesAreBounded(t *testing.T) {
	u := manyPrimaries(t)
	cfg := cfgFor(u)
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	st := stepFor(t, tr, "example.")
	if n := len(st.Primaries); n != 4 {
		t.Errorf("%d primaries probed, want 4 (the bound)", n)
	}
	mnames := 0
	for _, l := range tr.Lookups {
		if l.Reason == trace.ReasonMNAME {
			mnames++
		}
	}
	if mnames > 8 {
		t.Errorf("%d MNAME lookups for 4 primaries", mnames)
	}
	resolved := 0
	for _, p := range st.Primaries {
		if len(p.Addrs) > 0 {
			resolved++
			if len(p.Addrs) != 10 || len(p.Servers) != 4 {
				t.Errorf("primary %s: %d addresses, %d asked; want 10, and 4 asked (the bound)", p.Name, len(p.Addrs), len(p.Servers))
			}
		}
	}
	if resolved == 0 {
		t.Error("no primary resolved")
	}
	side := 0
	for _, l := range tr.Lookups {
		if l.Reason == trace.ReasonMNAME || l.Reason == trace.ReasonRNAME || l.Reason == trace.ReasonSiblingGlue {
			side++
		}
	}
	if side != 16 {
		t.Errorf("%d lookups of the SOA and glue probes, want 16 (the bound)", side)
	}
	plain := runTrace(t, cfgFor(u), "example.", dns.TypeSOA)
	for _, st := range plain.Steps {
		if len(st.Primaries) > 0 {
			t.Errorf("a plain trace probed %d primaries", len(st.Primaries))
		}
	}
}
