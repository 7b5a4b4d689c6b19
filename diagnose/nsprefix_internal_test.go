package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
)

// TestSamePrefixBounded: a zone's servers can give hundreds of addresses
// for its name servers (a kept reply holds some 150 AAAA records, and each
// server may give others); ns-same-prefix names a few of each network, and
// a few networks, and counts the rest.
func TestSamePrefixBounded(t *testing.T) {
	for _, c := range []struct {
		name     string
		prefixes int // networks, each with 300 / prefixes addresses
		single   bool
	}{
		{"one network", 1, false},
		{"many networks", 50, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ns := nsAddrs{names: map[netip.Addr][]string{}}
			for i := range 300 {
				ns.add(fmt.Sprintf("ns%d.example.", i%3), fmt.Sprintf("2001:db8:%x::%x", i%c.prefixes, i+1))
			}
			if c.single {
				ns.add("ns9.example.", "2001:db9::1")
			}
			p := &Pass{Trace: &trace.Trace{}, rule: ruleNSSamePrefix}
			samePrefix(p, &zoneView{zone: "example."}, ns, false, nil)
			if len(p.out) != 1 {
				t.Fatalf("%d findings, want 1", len(p.out))
			}
			f := p.out[0]
			if len(f.Explanation) > 1500 || len(f.Summary) > 300 {
				t.Errorf("explanation of %d bytes, summary of %d: %.300s...", len(f.Explanation), len(f.Summary), f.Explanation)
			}
			if !strings.Contains(f.Explanation, "more") {
				t.Errorf("the explanation does not count what it leaves out: %.300s...", f.Explanation)
			}
		})
	}
}
