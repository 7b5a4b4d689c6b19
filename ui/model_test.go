package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// simStart traces in the demo universe without delay.
func simStart(t testing.TB) StartFunc { return simStartTimeout(t, 50*time.Millisecond) }

func simStartTimeout(t testing.TB, timeout time.Duration) StartFunc {
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: timeout, Now: fixedNow}
	return func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
		tr, err := trace.Run(ctx, cfg, name, qtype, events)
		if err != nil {
			return nil, err
		}
		return diagnose.New(tr), nil
	}
}

var fixedNow = func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }

func newTestModel(t testing.TB, name string, w, h int) Model {
	m := NewModel(Options{Name: name, Qtype: dns.TypeA, Start: simStart(t), Styles: Plain(), Now: fixedNow})
	next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return next.(Model)
}

// send feeds a message and runs the commands it returns, until the model
// is idle (spinner ticks are dropped so the loop ends).
func send(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			t.Fatal("model never settles")
		}
		msg, queue = queue[0], queue[1:]
		next, cmd := m.Update(msg)
		m = next.(Model)
		queue = append(queue, run(cmd)...)
	}
	return m
}

func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	case spinnerTick:
		return nil
	}
	if isSpinnerTick(msg) {
		return nil
	}
	return []tea.Msg{msg}
}

type spinnerTick struct{}

type spinnerTickMsg = spinner.TickMsg

func keys(t testing.TB, m Model, ks ...string) Model {
	for _, k := range ks {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		m = send(t, m, msg)
	}
	return m
}

func finished(t testing.TB, name string, w, h int) Model {
	m := newTestModel(t, name, w, h)
	m = send(t, m, m.Init()())
	if m.Report() == nil {
		t.Fatalf("trace of %s did not finish", name)
	}
	return m
}

func TestViewGoldens(t *testing.T) {
	cases := map[string]func(t *testing.T) Model{
		"finished-healthy": func(t *testing.T) Model { return finished(t, "www.healthy.test.", 100, 30) },
		"finished-findings-wide": func(t *testing.T) Model {
			return finished(t, "www.lame.test.", 140, 34)
		},
		"detail-pane": func(t *testing.T) Model {
			m := finished(t, "www.lame.test.", 140, 40)
			return keys(t, m, "/", "ns2.lame", "enter", "right", "j")
		},
		"findings-narrow": func(t *testing.T) Model { return keys(t, finished(t, "www.serial.test.", 80, 24), "f", "j") },
		"help":            func(t *testing.T) Model { return keys(t, finished(t, "www.healthy.test.", 80, 24), "?") },
		"filter": func(t *testing.T) Model {
			return keys(t, finished(t, "www.lame.test.", 80, 24), "/", "REFUSED", "enter")
		},
		"narrow-40x12": func(t *testing.T) Model { return finished(t, "www.healthy.test.", 40, 12) },
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			// Message IDs are random: mask them.
			v := regexp.MustCompile(`id: \d+ *`).ReplaceAllString(mk(t).View(), "id: N")
			golden.RequireEqual(t, []byte(v))
		})
	}
}

func TestRunningViewGrowsLive(t *testing.T) {
	m := newTestModel(t, "www.healthy.test.", 100, 30)
	next, cmd := m.Update(m.Init()())
	m = next.(Model)
	// Feed only the first batch of events: the trace is still running.
	for _, msg := range run(cmd) {
		if ev, ok := msg.(eventsMsg); ok {
			next, _ = m.Update(ev)
			m = next.(Model)
			break
		}
	}
	v := m.View()
	if !strings.Contains(v, "tracing…") || !strings.Contains(v, ". (root)") {
		t.Errorf("running view lacks the status or the growing tree:\n%s", v)
	}
	m.cancel()
}

func TestFindingJumpsToEvidence(t *testing.T) {
	m := keys(t, finished(t, "www.lame.test.", 100, 30), "f", "enter")
	n := m.selected()
	if m.focus != paneTree || n == nil || n.kind != nkServer || n.server.Address != "192.0.2.31" {
		t.Fatalf("selected %+v, focus %d", n, m.focus)
	}
	if !n.flagged || !strings.Contains(m.View(), "!") {
		t.Error("the lame server is not marked in the tree")
	}
}

func TestKeysMoveExpandAndCollapse(t *testing.T) {
	m := finished(t, "www.healthy.test.", 100, 30)
	before := len(m.rows)
	m = keys(t, m, "E")
	if len(m.rows) <= before {
		t.Errorf("E did not expand: %d rows, was %d", len(m.rows), before)
	}
	m = keys(t, m, "C")
	if len(m.rows) != 1 {
		t.Errorf("C left %d rows, want 1", len(m.rows))
	}
	m = keys(t, m, "enter", "j", "j")
	if m.cursor != 2 {
		t.Errorf("cursor %d after enter j j", m.cursor)
	}
}

func TestChangeTypeAndOpenNameRerun(t *testing.T) {
	m := finished(t, "www.healthy.test.", 100, 30)
	m = keys(t, m, "t")
	m.input.SetValue("AAAA")
	m = keys(t, m, "enter")
	if m.Report() == nil || m.Report().Query.Type != "AAAA" || !strings.Contains(strings.Join(m.Report().Outcome.Answers, " "), "2001:db8::80") {
		t.Fatalf("after t AAAA: %+v", m.Report())
	}
	m = keys(t, m, "o")
	m.input.SetValue("www.lame.test")
	m = keys(t, m, "enter")
	if m.Report() == nil || m.Report().Query.Name != "www.lame.test." || len(m.Report().Findings) == 0 {
		t.Fatalf("after o: %+v", m.Report())
	}
}

func TestWriteFile(t *testing.T) {
	m := finished(t, "www.healthy.test.", 100, 30)
	path := t.TempDir() + "/out.json"
	m = keys(t, m, "w")
	m.input.SetValue(path)
	m = keys(t, m, "enter")
	if !strings.Contains(m.message, "wrote") {
		t.Errorf("message %q", m.message)
	}
}

func isSpinnerTick(msg tea.Msg) bool {
	_, ok := msg.(spinnerTickMsg)
	return ok
}

func TestCompareBannerAboveTree(t *testing.T) {
	m := NewModel(Options{Name: "www.healthy.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain(), Now: fixedNow,
		Banner: func(w int) string { return "resolver-a  NOERROR\nresolver-b  SERVFAIL" }})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = send(t, next.(Model), startMsg{})
	v := m.View()
	a, tree := strings.Index(v, "resolver-b  SERVFAIL"), strings.Index(v, "Delegation tree")
	if a < 0 || tree < 0 || a > tree {
		t.Errorf("banner not above the tree:\n%s", v)
	}
	if got := strings.Count(v, "\n") + 1; got != 30 {
		t.Errorf("view is %d lines for a 30-line terminal", got)
	}
}

func TestIntroStaysUntilTheSelectionMoves(t *testing.T) {
	m := NewModel(Options{Name: "www.healthy.test.", Qtype: dns.TypeA, Start: simStart(t), Styles: Plain(), Now: fixedNow, Intro: "Welcome to the demo"})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = send(t, next.(Model), startMsg{})
	m = keys(t, m, "tab")
	if !strings.Contains(m.View(), "Welcome to the demo") {
		t.Errorf("tab to the detail pane hid the intro:\n%s", m.View())
	}
	m = keys(t, m, "tab", "tab", "j", "tab")
	if strings.Contains(m.View(), "Welcome to the demo") {
		t.Errorf("intro still shown after moving the selection:\n%s", m.View())
	}
}
