package trace_test

import (
	"testing"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// child.parent.test. is served by its parent's servers: asked for its
// SOA, they answer with authority and no referral is ever seen. A health
// check must still survey the child zone, from the NS set those servers
// give with authority; a plain trace must not spend the queries.
func TestChildZoneOnItsParentsServers(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	tr := demotest.Trace(t, u, "child.parent.test", dns.TypeSOA, true)
	var child *trace.Step
	for _, st := range tr.Steps {
		if st.Zone == "child.parent.test." {
			child = st
		}
	}
	if child == nil {
		t.Fatalf("no step for child.parent.test.: %v", zonesOf(tr))
	}
	if child.Delegation.Source != trace.SourceParentServers || len(child.Servers) != 2 {
		t.Fatalf("child step: source %s, %d servers", child.Delegation.Source, len(child.Servers))
	}
	parent := tr.StepByID(child.Parent)
	if parent == nil || parent.Zone != "parent.test." || parent.Results[0].Next != child.ID {
		t.Errorf("the child step does not hang under the parent's answer: %+v", parent)
	}
	for _, s := range child.Servers {
		var soa, ns bool
		for _, q := range s.Queries {
			soa = soa || q.Purpose == trace.PurposeSOA && q.Name == "child.parent.test." && q.OK()
			ns = ns || q.Purpose == trace.PurposeNS && q.Name == "child.parent.test." && q.OK()
		}
		if !soa || !ns {
			t.Errorf("%s: the child zone's SOA and NS were not asked", s.Label())
		}
	}
	if tr.Outcome.Rcode != trace.RcodeNoError {
		t.Errorf("outcome %s: %s", tr.Outcome.Rcode, tr.Outcome.Explanation)
	}

	plain := demotest.Trace(t, u, "child.parent.test", dns.TypeSOA, false)
	for _, st := range plain.Steps {
		if st.Zone == "child.parent.test." {
			t.Errorf("a plain trace surveyed the child zone too")
		}
	}
}

func zonesOf(tr *trace.Trace) []string {
	var out []string
	for _, st := range tr.Steps {
		out = append(out, st.Zone)
	}
	return out
}
