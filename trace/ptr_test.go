package trace_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func ptrCheck(t *testing.T, zone string, edit func(*trace.Config)) *trace.Trace {
	t.Helper()
	cfg := cfgFor(demo(t))
	cfg.Probes, cfg.PTR = true, true
	if edit != nil {
		edit(&cfg)
	}
	return runTrace(t, cfg, zone, dns.TypeSOA)
}

// firstZones is where each lookup of a reason started, in ID order.
func firstZones(tr *trace.Trace, reason trace.LookupReason) []string {
	var out []string
	for _, l := range tr.Lookups {
		if l.Reason != reason {
			continue
		}
		for _, st := range tr.Steps {
			if st.Lookup == l.ID && st.Parent < 0 {
				out = append(out, l.Name+"@"+st.Zone)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestPTRLookupsStartDeep: only the first address of a family is looked
// up from the root (ns1's IPv4 and IPv6 addresses); the first of another network starts where the first
// lookup went (in-addr.arpa.), the rest at their own reverse zone. Asking
// the root once per address would cost the root servers' count in
// packets for each.
func TestPTRLookupsStartDeep(t *testing.T) {
	t.Parallel()
	tr := ptrCheck(t, "rdns.test.", nil)
	got := firstZones(tr, trace.ReasonPTR)
	want := []string{
		"0.7.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.@.",
		"170.100.51.198.in-addr.arpa.@.",
		"190.113.0.203.in-addr.arpa.@in-addr.arpa.",
		"191.113.0.203.in-addr.arpa.@113.0.203.in-addr.arpa.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("PTR lookups started at\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The targets are in the zone: their lookups start at its cut.
	fwd := firstZones(tr, trace.ReasonPTRTarget)
	for _, f := range fwd {
		if !strings.HasSuffix(f, "@rdns.test.") {
			t.Errorf("forward lookup %s did not start at rdns.test.", f)
		}
	}
	if len(fwd) != 4 {
		t.Errorf("forward lookups %v, want one per PTR target and type", fwd)
	}
}

// TestPTRNoRepeatsNoSurvey: the lookups --ptr adds ask no question twice
// of one server (they share the run's record), and survey none of the
// reverse zones (a referral's DS is asked, as on every path).
func TestPTRNoRepeatsNoSurvey(t *testing.T) {
	t.Parallel()
	tr := ptrCheck(t, "noptr.test.", nil)
	sent := map[string]int{}
	for _, st := range tr.Steps {
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if strings.HasSuffix(st.Zone, "in-addr.arpa.") && q.Purpose != trace.PurposeResolve && q.Purpose != trace.PurposeDS {
					t.Errorf("step %d (%s) asked %s %s %s of %s", st.ID, st.Zone, q.Purpose, q.Name, q.Type, s.Label())
				}
				if q.Purpose == trace.PurposeResolve && !q.Reused && len(q.Attempts) > 0 {
					sent[fmt.Sprintf("%s %s %s %t %t", s.Address, strings.ToLower(q.Name), q.Type, q.RD, q.Purpose == trace.PurposeTCP)]++
				}
			}
		}
	}
	for k, n := range sent {
		if n > 1 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	if tr.PTR == nil || len(tr.PTR.Checks) != 4 {
		t.Fatalf("PTR report %+v, want 4 checks", tr.PTR)
	}
}

// TestPTRCap: beyond Budget.PTR addresses nothing is looked up, and the
// report says how many were left out.
func TestPTRCap(t *testing.T) {
	t.Parallel()
	tr := ptrCheck(t, "rdns.test.", func(c *trace.Config) { c.Budget.PTR = 3 })
	if p := tr.PTR; len(p.Checks) != 3 || p.LeftOut != 1 || p.Cap != 3 {
		t.Fatalf("report %+v, want 3 checks and 1 left out", p)
	}
	if got := firstZones(tr, trace.ReasonPTR); len(got) != 3 {
		t.Errorf("PTR lookups %v, want 3", got)
	}
	// The name servers come before the MX target.
	for _, c := range tr.PTR.Checks {
		if !slices.Equal(c.From, []trace.PTRSource{trace.PTRFromNS}) {
			t.Errorf("%s from %v, want the name servers first", c.Address, c.From)
		}
	}
}

// TestPTRBudgetIsNotAFinding: when the query budget runs out during the
// PTR lookups, the addresses not resolved are undecided, never "no PTR".
func TestPTRBudgetIsNotAFinding(t *testing.T) {
	t.Parallel()
	walk := runTrace(t, func() trace.Config { c := cfgFor(demo(t)); c.Probes = true; return c }(), "rdns.test.", dns.TypeSOA)
	tr := ptrCheck(t, "rdns.test.", func(c *trace.Config) { c.Budget.Queries = walk.Stats.Attempts + 3 })
	if tr.PTR == nil || len(tr.PTR.Checks) != 4 {
		t.Fatalf("report %+v", tr.PTR)
	}
	unknown := 0
	for _, c := range tr.PTR.Checks {
		switch c.Verdict {
		case trace.PTRUnknown:
			unknown++
		case trace.PTRMissing, trace.PTRMismatch:
			t.Errorf("%s: %s after the budget ran out (%s)", c.Address, c.Verdict, c.Rcode)
		}
	}
	if unknown == 0 {
		t.Errorf("the budget left every address decided: %+v", tr.PTR.Checks)
	}
}

// TestPTROff: without Config.PTR there is no report and no reverse lookup.
func TestPTROff(t *testing.T) {
	t.Parallel()
	cfg := cfgFor(demo(t))
	cfg.Probes = true
	tr := runTrace(t, cfg, "noptr.test.", dns.TypeSOA)
	if tr.PTR != nil || len(firstZones(tr, trace.ReasonPTR)) > 0 {
		t.Errorf("PTR lookups without Config.PTR: %+v", tr.PTR)
	}
}

// TestPTRAnswerAndIPv6: the answer's addresses are checked too, an IPv6
// one through ip6.arpa (healthy.test has no ip6.arpa zone: no PTR).
func TestPTRAnswerAndIPv6(t *testing.T) {
	t.Parallel()
	cfg := cfgFor(demo(t))
	cfg.PTR = true
	tr := runTrace(t, cfg, "www.healthy.test.", dns.TypeAAAA)
	var got []string
	for _, c := range tr.PTR.Checks {
		got = append(got, fmt.Sprintf("%s %v %v %s", c.Address, c.Hosts, c.From, c.Verdict))
	}
	want := []string{
		"2001:db8::80 [www.healthy.test.] [answer] no-ptr",
		"192.0.2.10 [ns1.healthy.test.] [ns] confirmed",
		"203.0.113.11 [ns2.healthy.test.] [ns] confirmed",
		"2001:db8::11 [ns2.healthy.test.] [ns] no-ptr",
	}
	if !slices.Equal(got, want) {
		t.Errorf("checks\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPTRFromTransfer: where a server transfers the zone, the address
// records of every name in it are looked up too, after the name servers'
// and the MX targets'.
func TestPTRFromTransfer(t *testing.T) {
	t.Parallel()
	tr := ptrCheck(t, "axfr.test.", nil)
	var got []string
	for _, c := range tr.PTR.Checks {
		got = append(got, fmt.Sprintf("%s %v %v", c.Address, c.Hosts, c.From))
	}
	want := []string{
		"192.0.2.240 [ns1.axfr.test.] [ns transfer]",
		"203.0.113.241 [ns2.axfr.test.] [ns transfer]",
		"192.0.2.244 [mail.axfr.test.] [mx-target transfer]",
		"192.0.2.245 [www.axfr.test.] [transfer]",
		"192.0.2.246 [build_01.axfr.test.] [transfer]",
		"192.0.2.247 [ns2.dev.axfr.test.] [transfer]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("checks\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestPTRSameInputSameTrace: with replies arriving in a different order
// every run, --ptr walks the same cuts and reaches the same verdicts (the
// waves start where the waves before them ended, not where the first
// reply led).
func TestPTRSameInputSameTrace(t *testing.T) {
	t.Parallel()
	u := demo(t)
	for _, zone := range []string{"rdns.test.", "wrongptr.test."} {
		cfg := cfgFor(u)
		cfg.Exchanger = shuffled{u}
		cfg.Probes, cfg.PTR = true, true
		first := ""
		for i := 0; i < 6; i++ {
			tr := runTrace(t, cfg, zone, dns.TypeSOA)
			var b strings.Builder
			for _, c := range tr.PTR.Checks {
				fmt.Fprintf(&b, "%s %v %s %v", c.Address, c.Hosts, c.Verdict, c.Names)
				for _, f := range c.Forward {
					fmt.Fprintf(&b, " %s=%v", f.Name, f.Addrs)
				}
				b.WriteString("\n")
			}
			got := b.String() + shape(tr)
			if i == 0 {
				first = got
				continue
			}
			if got != first {
				t.Errorf("%s: run %d differs from run 0:\n%s", zone, i, lineDiff(first, got))
				break
			}
		}
	}
}
