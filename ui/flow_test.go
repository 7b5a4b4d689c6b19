package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// waitScreen waits until the program's output shows s.
func waitScreen(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func press(tm *teatest.TestModel, k string) {
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
}

// TestFlowFindTheLameServer drives the whole program: wait for the
// outcome, open the findings, jump to the evidence, quit.
func TestFlowFindTheLameServer(t *testing.T) {
	m := NewModel(t.Context(), Options{Name: "www.lame.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitScreen(t, tm, "Outcome: NOERROR")
	press(tm, "f")
	waitScreen(t, tm, "lame-delegation")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "evidence of lame-delegation")
	press(tm, "q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if n := final.tree.Selected(); n == nil || n.server == nil || n.server.Address != "192.0.2.31" {
		t.Errorf("final selection %+v", n)
	}
}

// TestFlowGluelessDelegation traces www.deep.test, whose name server has
// no glue and whose name server's zone has none either: the explorer shows
// the sub-lookups under the cut that needed them, and the answer.
func TestFlowGluelessDelegation(t *testing.T) {
	m := NewModel(t.Context(), Options{Name: "www.deep.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(140, 50))
	waitScreen(t, tm, "Outcome: NOERROR")
	press(tm, "/")
	press(tm, "ns.deep2")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitScreen(t, tm, "ns.deep2.test. → 192.0.2.151 (via deep2.test.)")
	press(tm, "q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	rep := final.Report()
	if rep == nil || rep.Outcome.Rcode != trace.RcodeNoError || !strings.Contains(strings.Join(rep.Outcome.Answers, " "), "203.0.113.152") {
		t.Fatalf("report %+v", rep)
	}
	var lookups []string
	walkNodes(final.tree.roots, func(n *node) {
		if n.kind == nkLookup {
			lookups = append(lookups, n.label)
		}
	})
	joined := strings.Join(lookups, "\n")
	for _, want := range []string{"ns.deep.example. → 192.0.2.150 (via deep.example.)", "ns.deep2.test. → 192.0.2.151 (via deep2.test.)", "A: 192.0.2.151"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no sub-lookup %q in the tree; lookups:\n%s", want, joined)
		}
	}
	if ids := strings.Join(findingIDs(rep), " "); !strings.Contains(ids, "glueless-indirection") {
		t.Errorf("findings %s, want glueless-indirection among them", ids)
	}
	var servers []string
	walkNodes(final.tree.roots, func(n *node) {
		if n.kind == nkServer && n.step.Zone == "deep.test." {
			servers = append(servers, n.label)
		}
	})
	if len(servers) != 1 || !strings.HasPrefix(servers[0], "ns.deep.example. 192.0.2.150  answer") {
		t.Errorf("servers of deep.test.: %q, want ns.deep.example. 192.0.2.150 answering", servers)
	}
}

// watchCancel wraps a StartFunc and closes the returned channel when the
// first run's context is cancelled.
func watchCancel(start StartFunc) (StartFunc, <-chan struct{}) {
	cancelled := make(chan struct{})
	first := make(chan struct{}, 1)
	first <- struct{}{}
	return func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
		select {
		case <-first:
			context.AfterFunc(ctx, func() { close(cancelled) })
		default:
		}
		return start(ctx, name, qtype, events)
	}, cancelled
}

// TestFlowQuitWhileRunningCancels quits during a trace of dead servers with
// a long timeout: the program ends at once and the engine's context is
// cancelled (the test's own context lives on, so only quit can do it).
func TestFlowQuitWhileRunningCancels(t *testing.T) {
	start, cancelled := watchCancel(simStartTimeout(t, time.Minute))
	m := NewModel(t.Context(), Options{Name: "www.dead.test.", Qtype: dns.TypeA, Start: start, Styles: Plain()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitScreen(t, tm, "tracing")
	press(tm, "q")
	began := time.Now()
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("quitting took %s", d)
	}
	select {
	case <-cancelled:
	case <-time.After(3 * time.Second):
		t.Fatal("quitting did not cancel the engine")
	}
	if !final.wait(3 * time.Second) {
		t.Error("the engine goroutine did not return after the cancel")
	}
}

// TestFlowCtrlCInterrupts: ctrl+c cancels the engine and Run says the user
// interrupted, so that ddx exits 130.
func TestFlowCtrlCInterrupts(t *testing.T) {
	start, cancelled := watchCancel(simStartTimeout(t, time.Minute))
	in, keyboard := ioPipe()
	var out safeBuffer
	errc := make(chan error, 1)
	go func() {
		_, err := Run(t.Context(), RunOptions{Options: Options{Name: "www.dead.test.", Qtype: dns.TypeA, Start: start, Styles: Plain()},
			In: in, Out: &out})
		errc <- err
	}()
	waitFor(t, func() bool { return strings.Contains(out.String(), "tracing") })
	keyboard.Write([]byte{0x03}) // ctrl+c
	select {
	case err := <-errc:
		if !errors.Is(err, ErrInterrupted) {
			t.Errorf("Run returned %v, want ErrInterrupted", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ctrl+c did not end the program")
	}
	select {
	case <-cancelled:
	default:
		t.Error("Run returned before the engine was cancelled")
	}
}

// TestRunEndsWithItsContext: cancelling the command's context (SIGINT in
// ddx) ends the program and the engine, and Run returns the context's
// error.
func TestRunEndsWithItsContext(t *testing.T) {
	start, cancelled := watchCancel(simStartTimeout(t, time.Minute))
	ctx, cancel := context.WithCancel(t.Context())
	in, _ := ioPipe()
	var out safeBuffer
	errc := make(chan error, 1)
	go func() {
		_, err := Run(ctx, RunOptions{Options: Options{Name: "www.dead.test.", Qtype: dns.TypeA, Start: start, Styles: Plain()},
			In: in, Out: &out})
		errc <- err
	}()
	waitFor(t, func() bool { return strings.Contains(out.String(), "tracing") })
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not end the program")
	}
	select {
	case <-cancelled:
	default:
		t.Error("Run returned before the engine was cancelled")
	}
}
