package ui

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
)

// TestMirrorFollowsTheDelegation: when a glueless server's address is
// found, the step's sub-lookup shows in the live tree, and the servers
// already asked stay.
func TestMirrorFollowsTheDelegation(t *testing.T) {
	m := newMirror("www.deep.test.", "A")
	m.apply(trace.Event{Kind: trace.EvLookupStarted, Lookup: &trace.Lookup{ID: 0, Name: "www.deep.test.", Type: "A", Parent: -1}})
	step := func() *trace.Step {
		return &trace.Step{ID: 0, Lookup: 0, Parent: -1, Zone: "deep.test.", Name: "www.deep.test.", Type: "A",
			Delegation: trace.Delegation{NS: []trace.NSHost{{Name: "ns.deep.example."}}}}
	}
	m.apply(trace.Event{Kind: trace.EvStepStarted, Step: step(), StepID: 0})
	m.apply(trace.Event{Kind: trace.EvServerAdded, StepID: 0, ServerIndex: 0, Server: &trace.Server{Name: "ns.other.test.", Address: "192.0.2.1"}})

	later := step()
	later.Delegation.NS[0].Lookup = []int{1}
	later.Delegation.NS[0].Addrs = []string{"192.0.2.150"}
	m.apply(trace.Event{Kind: trace.EvLookupStarted, Lookup: &trace.Lookup{ID: 1, Name: "ns.deep.example.", Type: "A", Parent: 0}})
	m.apply(trace.Event{Kind: trace.EvDelegation, Step: later, StepID: 0})

	st := m.t.StepByID(0)
	if len(st.Servers) != 1 || st.Delegation.NS[0].Addrs[0] != "192.0.2.150" {
		t.Fatalf("step after the delegation event: servers %d, NS %+v", len(st.Servers), st.Delegation.NS)
	}
	var labels []string
	walkNodes(buildTree(m.t, nil), func(n *node) { labels = append(labels, n.label) })
	if !strings.Contains(strings.Join(labels, "\n"), "ns.deep.example. → 192.0.2.150") {
		t.Errorf("no sub-lookup in the live tree:\n%s", strings.Join(labels, "\n"))
	}
}
