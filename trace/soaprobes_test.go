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
// names another primary, none of them listed: a hostile zone.
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
		fs[fmt.Sprintf("u/zones/ex%d.zone", i)] = &fstest.MapFile{Data: []byte(z.String())}
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
	plain := runTrace(t, cfgFor(u), "example.", dns.TypeSOA)
	for _, st := range plain.Steps {
		if len(st.Primaries) > 0 {
			t.Errorf("a plain trace probed %d primaries", len(st.Primaries))
		}
	}
}
