package trace_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestGluelessNameServersAreResolved(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(demo(t)), "cdn.healthy.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError || !strings.Contains(strings.Join(tr.Outcome.Answers, " "), "192.0.2.88") {
		t.Fatalf("outcome %s %v", tr.Outcome.Rcode, tr.Outcome.Answers)
	}
	var cdn *trace.Step
	for _, st := range tr.Steps {
		if st.Zone == "cdn.example." {
			cdn = st
		}
	}
	if cdn == nil {
		t.Fatal("no step for cdn.example.")
	}
	for _, h := range cdn.Delegation.NS {
		if len(h.Glue) != 0 || len(h.Lookup) == 0 || len(h.Addrs) == 0 {
			t.Errorf("%s: glue %v lookups %v addrs %v: want resolved by sub-lookup", h.Name, h.Glue, h.Lookup, h.Addrs)
		}
		for _, id := range h.Lookup {
			if l := tr.LookupByID(id); l.Reason != trace.ReasonNSAddr || l.FromStep != cdn.ID {
				t.Errorf("lookup %d: %+v", id, l)
			}
		}
	}
}

func TestCNAMEFollowedAndLoopsDetected(t *testing.T) {
	t.Parallel()
	u := demo(t)
	tr := runTrace(t, cfgFor(u), "www.chain.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeNoError || !strings.Contains(strings.Join(tr.Outcome.Answers, " "), "192.0.2.89") {
		t.Errorf("chain: %s %v", tr.Outcome.Rcode, tr.Outcome.Answers)
	}
	tr = runTrace(t, cfgFor(u), "www.loop.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeServFail || !strings.Contains(tr.Outcome.Explanation, "loop") {
		t.Errorf("loop: %s %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}
}

func TestGluelessCycleEnds(t *testing.T) {
	t.Parallel()
	tr := runTrace(t, cfgFor(demo(t)), "www.cycle.test", dns.TypeA)
	if tr.Outcome.Rcode != trace.RcodeServFail {
		t.Fatalf("outcome %s, want SERVFAIL", tr.Outcome.Rcode)
	}
	found := false
	for _, st := range tr.Steps {
		for _, h := range st.Delegation.NS {
			found = found || strings.Contains(h.Error, "cycle")
		}
	}
	if !found {
		t.Error("no name server records the cycle")
	}
}
