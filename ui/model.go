package ui

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/miekg/dns"
)

// Options configure the explorer.
type Options struct {
	Name   string // FQDN, for the title
	Qtype  uint16
	Start  StartFunc
	Styles Styles
	Now    func() time.Time // default time.Now
	// Intro, if set, is shown in the detail pane before anything is selected.
	Intro string
	// Banner, if set, is drawn between the header and the panes (the
	// resolvers side by side, in compare view). It gets the width.
	Banner func(width int) string
	// Picks, if set, are offered by o as a list to choose from (the
	// demo's scenarios).
	Picks []Pick
	// Clipboard, if set, receives what y copies (Run sets it to write
	// OSC 52 to the terminal).
	Clipboard func(text string) error
}

type pane int

const (
	paneTree pane = iota
	paneDetail
	paneFindings
)

// evidenceMsg asks the root to show the evidence of a finding in the tree;
// the findings pane sends it on enter.
type evidenceMsg struct{ finding diagnose.Finding }

// Model is the explorer: a tree of the trace that grows live, a detail
// pane, a findings pane and the outcome. It routes keys to the focused
// pane and is the only one to handle the window size.
type Model struct {
	opt  Options
	ctx  context.Context // the parent of every run: the command's
	keys KeyMap
	help help.Model
	spin spinner.Model
	st   Styles

	tree     treePane
	detail   detailPane
	findings findingsPane
	input    textinput.Model

	qtype uint16
	name  string

	// The current run (see events.go).
	run     int
	cancel  context.CancelFunc
	done    chan doneMsg
	engines *sync.WaitGroup // every engine goroutine this model started
	live    *mirror
	report  *diagnose.Report
	err     error
	running bool
	started time.Time
	ended   time.Time

	pickCursor  int // the entry of the pick list under the cursor
	focus       pane
	mode        inputMode
	showHelp    bool
	showChain   bool // the detail pane shows the selected zone's chain of trust
	message     string
	touched     bool // the selection moved: the intro gives way to it
	moved       bool // the user moved in the tree during this run: keep it there
	interrupted bool // the user pressed ctrl+c
	width       int
	height      int
}

// NewModel makes the explorer; Init starts the first trace. Every trace
// runs under a context derived from ctx, so cancelling ctx stops it.
func NewModel(ctx context.Context, opt Options) Model {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	keys := DefaultKeyMap()
	m := Model{opt: opt, ctx: ctx, keys: keys, help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.Line)),
		st: opt.Styles, tree: newTreePane(opt.Styles, keys), detail: newDetailPane(keys),
		findings: newFindingsPane(opt.Styles, keys), input: textinput.New(),
		qtype: opt.Qtype, name: opt.Name, engines: &sync.WaitGroup{}, width: 80, height: 24}
	m.input.Prompt = ""
	m.input.CharLimit = 255
	if opt.Intro != "" {
		m.message = "o: another name · ]: next problem · ?: keys"
	}
	m.setFocus(paneTree)
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd {
	return func() tea.Msg { return startMsg{} }
}

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case startMsg:
		return m.rerun()
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case eventsMsg:
		return m.onEvents(msg)
	case doneMsg:
		return m.onDone(msg)
	case evidenceMsg:
		m.showEvidence(msg.finding)
		return m, nil
	case spinner.TickMsg:
		if !m.running {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.MouseMsg:
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft {
			return m.click(msg.X, msg.Y)
		}
		return m.toFocused(msg)
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && m.mode == modeNormal {
			return m.eachKey(msg.Runes)
		}
		return m.key(msg)
	}
	return m, nil
}

// eachKey handles keys that arrived in one read (fast typing, a paste, a
// held key: "kkk") one by one; a key that opens a prompt hands it the
// rest.
func (m Model) eachKey(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var next tea.Model = m
	for _, r := range runes {
		k := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			k.Type = tea.KeySpace
		}
		var cmd tea.Cmd
		next, cmd = next.Update(k)
		cmds = append(cmds, cmd)
	}
	return next, tea.Batch(cmds...)
}

func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	if key.Matches(msg, k.Interrupt) {
		m.interrupted = true
		return m.quit()
	}
	if m.mode != modeNormal {
		return m.inputKey(msg)
	}
	if m.showHelp {
		if key.Matches(msg, k.Quit) {
			return m.quit()
		}
		m.showHelp = false
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Tab):
		next := (m.focus + 1) % 3
		if next == paneFindings && m.report == nil {
			next = paneTree
		}
		m.setFocus(next)
	case key.Matches(msg, k.Findings):
		m.setFocus(paneFindings)
	case key.Matches(msg, k.ExpandAll, k.CollapseAll):
		// The whole tree, whichever pane has the focus.
		var cmd tea.Cmd
		m.tree, cmd = m.tree.Update(msg)
		m.updateDetail()
		return m, cmd
	case key.Matches(msg, k.Filter):
		return m.prompt(modeFilter, m.tree.filter)
	case key.Matches(msg, k.NextProblem, k.PrevProblem):
		dir := 1
		if key.Matches(msg, k.PrevProblem) {
			dir = -1
		}
		m.message = m.tree.NextProblem(dir)
		m.touched, m.moved = true, true
		m.setFocus(paneTree)
	case key.Matches(msg, k.Copy):
		m.mode = modeCopy
		return m, nil
	case key.Matches(msg, k.Next):
		m.message = m.tree.NextMatch(1)
	case key.Matches(msg, k.Prev):
		m.message = m.tree.NextMatch(-1)
	case key.Matches(msg, k.Rerun):
		return m.rerun()
	case key.Matches(msg, k.Type):
		return m.prompt(modeType, dns.Type(m.qtype).String())
	case key.Matches(msg, k.Write):
		return m.prompt(modeWrite, "ddx-"+strings.TrimSuffix(m.name, ".")+".txt")
	case key.Matches(msg, k.Open):
		return m.prompt(modeName, "")
	case key.Matches(msg, k.Chain):
		m.showChain = !m.showChain
		m.message = ""
		if m.showChain {
			m.message = "chain of trust of the selected zone · d: back to the detail"
		}
	case key.Matches(msg, k.Cancel):
		m.tree.SetFilter("")
		m.message = ""
	default:
		if key.Matches(msg, k.Toggle) {
			m.touched = true
		}
		return m.toFocused(msg)
	}
	m.updateDetail()
	return m, nil
}

// toFocused hands a key or the mouse to the focused pane.
func (m Model) toFocused(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.focus {
	case paneTree:
		before := m.tree.Selected()
		m.tree, cmd = m.tree.Update(msg)
		if m.tree.Selected() != before {
			m.touched, m.moved = true, true
			m.message = "" // it was about what was selected
		}
	case paneDetail:
		m.detail, cmd = m.detail.Update(msg)
		return m, cmd
	case paneFindings:
		m.findings, cmd = m.findings.Update(msg)
	}
	m.updateDetail()
	return m, cmd
}

func (m *Model) setFocus(p pane) {
	m.focus = p
	m.tree.SetFocused(p == paneTree)
	m.detail.SetFocused(p == paneDetail)
	m.findings.SetFocused(p == paneFindings)
	m.layout()
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	m.stop()
	return m, tea.Quit
}

// showEvidence selects the tree node that is the evidence of a finding.
func (m *Model) showEvidence(f diagnose.Finding) {
	if m.tree.ShowEvidence(f) {
		m.message = "evidence of " + f.ID
		m.setFocus(paneTree)
	} else {
		m.message = "no node in the tree for " + f.ID
	}
}

// updateDetail fills the detail pane for the selection.
func (m *Model) updateDetail() {
	var text string
	f, ok := m.findings.Selected()
	switch {
	case m.focus == paneFindings && ok:
		text = findingText(f)
	case m.showChain:
		zone := "."
		if n := m.tree.Selected(); n != nil && nodeZone(n) != "" {
			zone = nodeZone(n)
		}
		text = chainTree(m.report, zone)
	case m.opt.Intro != "" && !m.touched && m.report == nil:
		text = m.opt.Intro // until the story is there to read
	case m.tree.Selected() != nil:
		text = detailText(m.tree.Selected())
	default:
		text = m.opt.Intro
	}
	m.detail.SetContent(text)
}

// Report returns the finished report, or nil while running.
func (m Model) Report() *diagnose.Report { return m.report }
