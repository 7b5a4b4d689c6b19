package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// StartFunc runs one trace of the explorer's name with the given type,
// sending events as it goes, and returns the diagnosed report. It must
// stop soon after ctx is cancelled.
type StartFunc func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error)

// Messages of the run plumbing. Each carries the run it belongs to, and
// the model drops those of a run it has since replaced.
type (
	// startMsg starts the first run (Init stays pure).
	startMsg struct{}
	// eventsMsg is a batch of engine events; ch is nil once the engine
	// has closed the channel.
	eventsMsg struct {
		run    int
		events []trace.Event
		ch     <-chan trace.Event
	}
	// doneMsg is the end of a run.
	doneMsg struct {
		run int
		rep *diagnose.Report
		err error
	}
)

// startCmd begins a trace in the background, under a context derived from
// the model's, and returns the command that waits for its first events.
func (m *Model) startCmd() tea.Cmd {
	run := m.run + 1
	start, name, qtype := m.opt.Start, m.name, m.qtype
	parent := m.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	events := make(chan trace.Event, 256)
	done := make(chan doneMsg, 1)
	engines := m.engines
	engines.Add(1)
	go func() {
		defer engines.Done()
		rep, err := start(ctx, name, qtype, events)
		done <- doneMsg{run: run, rep: rep, err: err}
	}()
	m.run, m.cancel, m.done = run, cancel, done
	m.live = newMirror(name, dns.Type(qtype).String())
	m.report, m.err, m.running, m.started = nil, nil, true, m.opt.Now()
	m.moved = false
	m.findings.SetFindings(nil, false)
	m.tree.SetRoots(nil)
	return waitEvents(run, events, done)
}

// waitEvents reads the next batch of events, or the result once the
// engine has closed the channel. It is re-issued after each batch.
func waitEvents(run int, ch <-chan trace.Event, done <-chan doneMsg) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return <-done
		}
		batch := []trace.Event{ev}
		for len(batch) < 128 {
			select {
			case ev, ok := <-ch:
				if !ok {
					return eventsMsg{run: run, events: batch, ch: nil}
				}
				batch = append(batch, ev)
			default:
				return eventsMsg{run: run, events: batch, ch: ch}
			}
		}
		return eventsMsg{run: run, events: batch, ch: ch}
	}
}

func (m Model) onEvents(msg eventsMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.run {
		return m, nil
	}
	for _, ev := range msg.events {
		m.live.apply(ev)
	}
	m.tree.SetRoots(buildTree(m.live.t, nil))
	m.updateDetail()
	if msg.ch == nil {
		done := m.done
		return m, func() tea.Msg { return <-done }
	}
	return m, waitEvents(msg.run, msg.ch, m.done)
}

func (m Model) onDone(msg doneMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.run {
		return m, nil
	}
	m.running, m.ended = false, m.opt.Now()
	m.report, m.err = msg.rep, msg.err
	if msg.rep != nil {
		m.tree.SetRoots(buildTree(msg.rep.Trace, msg.rep.Findings))
		m.findings.SetFindings(msg.rep.Findings, true)
		if !m.moved {
			m.tree.FocusStory(msg.rep.Findings)
		}
	}
	m.layout()
	return m, nil
}

// rerun cancels the current run, if any, and starts another.
func (m Model) rerun() (tea.Model, tea.Cmd) {
	m.stop()
	first := m.run == 0
	cmd := m.startCmd()
	if !first {
		m.message = "tracing " + clean(m.name) + " " + dns.Type(m.qtype).String()
	}
	return m, tea.Batch(cmd, m.spin.Tick)
}

// stop cancels the current run.
func (m *Model) stop() {
	if m.cancel != nil {
		m.cancel()
	}
}

// wait waits up to d for every engine goroutine to return, and reports
// whether they did.
func (m *Model) wait(d time.Duration) bool {
	if m.engines == nil {
		return true
	}
	ended := make(chan struct{})
	go func() {
		m.engines.Wait()
		close(ended)
	}()
	select {
	case <-ended:
		return true
	case <-time.After(d):
		return false
	}
}
