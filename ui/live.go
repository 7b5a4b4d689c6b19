package ui

import (
	"github.com/ddxdns/ddx/trace"
)

// mirror rebuilds a partial trace from the engine's events, so the tree can
// grow while the trace runs. Events may arrive slightly out of order (IDs
// are assigned before they are sent), so slices grow with gaps.
type mirror struct {
	t *trace.Trace
}

func newMirror(name, qtype string) *mirror {
	return &mirror{t: &trace.Trace{Query: trace.Question{Name: name, Type: qtype}}}
}

func (m *mirror) apply(ev trace.Event) {
	t := m.t
	switch ev.Kind {
	case trace.EvLookupStarted:
		for len(t.Lookups) <= ev.Lookup.ID {
			t.Lookups = append(t.Lookups, nil)
		}
		t.Lookups[ev.Lookup.ID] = ev.Lookup
	case trace.EvStepStarted:
		for len(t.Steps) <= ev.Step.ID {
			t.Steps = append(t.Steps, nil)
		}
		st := ev.Step
		st.Servers, st.Results = nil, nil
		t.Steps[st.ID] = st
	case trace.EvDelegation:
		// A glueless server's addresses (or why not), another parent, the
		// child's own NS names: the step keeps its servers and results.
		st := t.StepByID(ev.StepID)
		if st == nil || ev.Step == nil {
			return
		}
		st.Delegation, st.ChildOnly, st.Skipped = ev.Step.Delegation, ev.Step.ChildOnly, ev.Step.Skipped
	case trace.EvServerAdded:
		st := t.StepByID(ev.StepID)
		if st == nil {
			return
		}
		for len(st.Servers) <= ev.ServerIndex {
			st.Servers = append(st.Servers, nil)
		}
		st.Servers[ev.ServerIndex] = ev.Server
	case trace.EvQueryDone:
		st := t.StepByID(ev.StepID)
		if st == nil || ev.ServerIndex >= len(st.Servers) || st.Servers[ev.ServerIndex] == nil {
			return
		}
		srv := st.Servers[ev.ServerIndex]
		srv.Queries = append(srv.Queries, ev.Query)
	case trace.EvResult:
		st := t.StepByID(ev.StepID)
		if st == nil {
			return
		}
		r := ev.Result
		for i, old := range st.Results {
			if old.Kind == r.Kind && old.Zone == r.Zone && old.Target == r.Target && old.Next == r.Next && old.Lookup == r.Lookup {
				st.Results[i] = r
				return
			}
		}
		st.Results = append(st.Results, r)
	case trace.EvLimit:
		t.Limits = append(t.Limits, *ev.Limit)
	}
	t.Stats.Queries = ev.Queries
}
