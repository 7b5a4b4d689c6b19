package ui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/miekg/dns"
)

// TestFlowFindTheLameServer drives the whole program: wait for the
// outcome, open the findings, jump to the evidence, quit.
func TestFlowFindTheLameServer(t *testing.T) {
	m := NewModel(Options{Name: "www.lame.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("Outcome: NOERROR")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f")})
	wait("lame-delegation")
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	wait("evidence of lame-delegation")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if n := final.selected(); n == nil || n.server == nil || n.server.Address != "192.0.2.31" {
		t.Errorf("final selection %+v", n)
	}
}

// TestFlowQuitWhileRunningCancels quits during a trace of dead servers with
// a long timeout: the program must end promptly.
func TestFlowQuitWhileRunningCancels(t *testing.T) {
	start := simStartTimeout(t, time.Minute)
	m := NewModel(Options{Name: "www.dead.test.", Qtype: dns.TypeA, Start: start, Styles: Plain()})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("tracing")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	began := time.Now()
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if d := time.Since(began); d > 3*time.Second {
		t.Errorf("quitting took %s", d)
	}
}
