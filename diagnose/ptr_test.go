package diagnose_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestPTRMismatch(t *testing.T) { runFixtures(t, "ptr-mismatch") }

// TestPTRDemoZones: `ddx check ZONE --ptr` on the demo's reverse DNS
// zones finds exactly the addresses that fail (every finding of the zone,
// at any severity), and a saved trace says the same.
func TestPTRDemoZones(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zone string
		want []string // ID: summary, every finding of the zone
		// verdicts of every address looked up
		verdicts string
	}{
		{"rdns.test.", nil, "198.51.100.170 confirmed, 2001:db8::170 confirmed, 203.0.113.190 confirmed, 203.0.113.191 confirmed"},
		{"noptr.test.", []string{"ptr-mismatch: 203.0.113.193 (mail.noptr.test.) has no PTR record"},
			"198.51.100.172 confirmed, 2001:db8::172 confirmed, 203.0.113.192 confirmed, 203.0.113.193 no-ptr"},
		{"wrongptr.test.", []string{"ptr-mismatch: the PTR of 203.0.113.195 (mail.wrongptr.test.) names mail.rdns.test., which does not resolve back to it"},
			"198.51.100.174 confirmed, 2001:db8::174 confirmed, 203.0.113.194 confirmed, 203.0.113.195 mismatch"},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			cfg := demotest.Config(demotest.Universe(t), true)
			cfg.PTR = true
			tr, err := trace.Run(context.Background(), cfg, c.zone, dns.TypeSOA, nil)
			if err != nil {
				t.Fatal(err)
			}
			live := diagnose.New(tr)
			var got []string
			for _, f := range diagnose.ForZone(live.Findings, c.zone) {
				got = append(got, f.ID+": "+f.Summary)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			var verdicts []string
			for _, ch := range tr.PTR.Checks {
				verdicts = append(verdicts, ch.Address+" "+string(ch.Verdict))
			}
			slices.Sort(verdicts)
			if v := strings.Join(verdicts, ", "); v != c.verdicts {
				t.Errorf("verdicts %s, want %s", v, c.verdicts)
			}

			loaded := saveAndLoad(t, live)
			saved := diagnose.New(loaded)
			if !reflect.DeepEqual(live.Findings, saved.Findings) || !reflect.DeepEqual(tr.PTR, loaded.PTR) {
				t.Errorf("the saved trace differs:\nlive:  %s %+v\nsaved: %s %+v", ids(live.Findings), tr.PTR, ids(saved.Findings), loaded.PTR)
			}
		})
	}
}
