package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestRunningViewGrowsLive(t *testing.T) {
	m := newTestModel(t, "www.healthy.test.", 100, 30)
	next, cmd := m.Update(m.Init()())
	m = next.(Model)
	// Feed batches of events until the first zone cut shows, not the end.
	for len(m.tree.rows) == 0 {
		var ev eventsMsg
		for _, msg := range runCmd(cmd) {
			if e, ok := msg.(eventsMsg); ok {
				ev = e
			}
		}
		if ev.events == nil {
			t.Fatal("the trace ended before its first zone cut was shown")
		}
		next, cmd = m.Update(ev)
		m = next.(Model)
	}
	v := m.View()
	if !strings.Contains(v, "tracing…") || !strings.Contains(v, ". (root)") {
		t.Errorf("running view lacks the status or the growing tree:\n%s", v)
	}
	m.stop()
}

// TestStaleRunMessagesAreDropped: after a re-run, what the old run sends
// (a last batch of events, its report) changes nothing.
func TestStaleRunMessagesAreDropped(t *testing.T) {
	m := finished(t, "www.lame.test.", 100, 30)
	old := m.run
	m = keys(t, m, "t")
	m.input.SetValue("AAAA")
	m = keys(t, m, "enter")
	if m.run == old || m.Report().Query.Type != "AAAA" {
		t.Fatalf("the re-run did not happen: run %d, report %+v", m.run, m.Report().Query)
	}
	rows, rep := len(m.tree.rows), m.Report()
	stale := &diagnose.Report{Trace: &trace.Trace{Outcome: trace.Outcome{Rcode: trace.RcodeServFail}}}
	m = send(t, m, doneMsg{run: old, rep: stale})
	m = send(t, m, eventsMsg{run: old, events: []trace.Event{{Kind: trace.EvLimit, Limit: &trace.Limit{}, Queries: 9999}}})
	if m.Report() != rep || len(m.tree.rows) != rows || m.live.t.Stats.Queries == 9999 {
		t.Errorf("a stale message changed the model: report %p (was %p), %d rows (was %d)", m.Report(), rep, len(m.tree.rows), rows)
	}
	if strings.Contains(m.View(), "SERVFAIL") {
		t.Errorf("the stale outcome is shown:\n%s", m.View())
	}
}

// TestEngineContextDerivesFromTheCommand: cancelling the context the
// model was made with cancels the running trace.
func TestEngineContextDerivesFromTheCommand(t *testing.T) {
	parent, cancel := context.WithCancel(t.Context())
	engineDone := make(chan struct{})
	start := func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
		defer close(engineDone)
		close(events)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	m := NewModel(parent, Options{Name: "www.dead.test.", Qtype: dns.TypeA, Start: start, Styles: Plain()})
	next, _ := m.Update(m.Init()())
	m = next.(Model)
	cancel()
	select {
	case <-engineDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the engine's context was not cancelled with the command's")
	}
	if !m.wait(time.Second) {
		t.Error("the engine goroutine did not end")
	}
}
