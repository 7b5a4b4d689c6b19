package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// StartFunc runs one trace of the explorer's name with the given type,
// sending events as it goes, and returns the diagnosed report.
type StartFunc func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error)

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
}

type pane int

const (
	paneTree pane = iota
	paneDetail
	paneFindings
)

type inputMode int

const (
	modeNormal inputMode = iota
	modeFilter
	modeType
	modeWrite
	modeName
)

// Messages, tagged with the run they belong to; stale ones are dropped.
type (
	eventsMsg struct {
		run    int
		events []trace.Event
		ch     <-chan trace.Event
	}
	startMsg struct{}
	doneMsg  struct {
		run int
		rep *diagnose.Report
		err error
	}
)

// Model is the explorer: a tree of the trace that grows live, a detail
// pane, a findings pane and the outcome.
type Model struct {
	opt     Options
	keys    KeyMap
	help    help.Model
	spin    spinner.Model
	detail  viewport.Model
	input   textinput.Model
	st      Styles
	qtype   uint16
	name    string
	run     int
	cancel  context.CancelFunc
	done    chan doneMsg
	live    *mirror
	report  *diagnose.Report
	err     error
	running bool
	started time.Time
	ended   time.Time

	roots    []*node
	rows     []row
	cursor   int
	offset   int
	expanded map[string]bool
	filter   string
	matches  []string
	focus    pane
	fcursor  int
	mode     inputMode
	showHelp bool
	message  string
	touched  bool // a key was pressed: the intro gives way to the selection
	width    int
	height   int
}

// NewModel makes the explorer; Init starts the first trace.
func NewModel(opt Options) Model {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := Model{opt: opt, keys: DefaultKeyMap(), help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.Line)),
		detail: viewport.New(40, 10), input: textinput.New(), st: opt.Styles, qtype: opt.Qtype, name: opt.Name,
		expanded: map[string]bool{}, width: 80, height: 24}
	m.input.Prompt = ""
	m.input.CharLimit = 255
	if opt.Intro != "" {
		m.message = "o: trace another name · f: findings · tab: detail · ?: keys"
	}
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd {
	return func() tea.Msg { return startMsg{} }
}

// startCmd begins a trace in the background. The model's state for the run
// is set by the first message, so Init stays pure.
func (m *Model) startCmd() tea.Cmd {
	run := m.run + 1
	start, name, qtype := m.opt.Start, m.name, m.qtype
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan trace.Event, 256)
	done := make(chan doneMsg, 1)
	go func() {
		rep, err := start(ctx, name, qtype, events)
		done <- doneMsg{run: run, rep: rep, err: err}
	}()
	m.run, m.cancel, m.done = run, cancel, done
	m.live = newMirror(name, typeName(qtype))
	m.report, m.err, m.running, m.started = nil, nil, true, m.opt.Now()
	m.roots, m.rows = nil, nil
	return waitEvents(run, events, done)
}

// waitEvents reads the next batch of events, or the result once the
// engine has closed the channel.
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

func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
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
		if msg.run != m.run {
			return m, nil
		}
		for _, ev := range msg.events {
			m.live.apply(ev)
		}
		m.rebuild(m.live.t, nil)
		if msg.ch == nil {
			done := m.done
			return m, func() tea.Msg { return <-done }
		}
		return m, waitEvents(msg.run, msg.ch, m.done)
	case doneMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.running, m.ended = false, m.opt.Now()
		m.report, m.err = msg.rep, msg.err
		if msg.rep != nil {
			m.rebuild(msg.rep.Trace, msg.rep.Findings)
		}
		return m, nil
	case spinner.TickMsg:
		if !m.running {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			m.move(-3)
		case tea.MouseButtonWheelDown:
			m.move(3)
		}
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.mode != modeNormal {
		return m.inputKey(msg)
	}
	if m.showHelp {
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		m.showHelp = false
		return *m, nil
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = true
	case key.Matches(msg, k.Up):
		m.move(-1)
	case key.Matches(msg, k.Down):
		m.move(1)
	case key.Matches(msg, k.Tab):
		m.focus = (m.focus + 1) % 3
		if m.focus == paneFindings && m.report == nil {
			m.focus = paneTree
		}
		m.layout()
	case key.Matches(msg, k.Findings):
		m.focus = paneFindings
		m.layout()
	case key.Matches(msg, k.Left):
		if n := m.selected(); n != nil && m.focus == paneTree {
			if isExpanded(n, m.expanded) && len(n.children) > 0 {
				m.expanded[n.key] = false
			} else if n.parent != nil {
				m.selectKey(n.parent.key)
			}
			m.reflow()
		}
	case key.Matches(msg, k.Right):
		if n := m.selected(); n != nil && m.focus == paneTree {
			m.expanded[n.key] = true
			m.reflow()
		}
	case key.Matches(msg, k.Toggle):
		m.touched = true
		if m.focus == paneFindings {
			m.jumpToFinding()
		} else if n := m.selected(); n != nil {
			m.expanded[n.key] = !isExpanded(n, m.expanded)
			m.reflow()
		}
	case key.Matches(msg, k.ExpandAll):
		walkNodes(m.roots, func(n *node) { m.expanded[n.key] = true })
		m.reflow()
	case key.Matches(msg, k.CollapseAll):
		walkNodes(m.roots, func(n *node) { m.expanded[n.key] = false })
		m.reflow()
	case key.Matches(msg, k.Filter):
		m.mode = modeFilter
		m.input.SetValue(m.filter)
		m.input.Focus()
	case key.Matches(msg, k.Next):
		m.nextMatch(1)
	case key.Matches(msg, k.Prev):
		m.nextMatch(-1)
	case key.Matches(msg, k.Rerun):
		return m.rerun()
	case key.Matches(msg, k.Type):
		m.mode = modeType
		m.input.SetValue(typeName(m.qtype))
		m.input.Focus()
	case key.Matches(msg, k.Write):
		m.mode = modeWrite
		m.input.SetValue("ddx-" + strings.TrimSuffix(m.name, ".") + ".txt")
		m.input.Focus()
	case key.Matches(msg, k.Open):
		m.mode = modeName
		m.input.SetValue("")
		m.input.Focus()
	case key.Matches(msg, k.Cancel):
		m.filter = ""
		m.reflow()
	}
	m.updateDetail()
	return *m, nil
}

func (m *Model) inputKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		m.mode = modeNormal
		m.input.Blur()
		return *m, nil
	case tea.KeyEnter:
		v := strings.TrimSpace(m.input.Value())
		mode := m.mode
		m.mode = modeNormal
		m.input.Blur()
		switch mode {
		case modeFilter:
			m.filter = v
			m.reflow()
			m.nextMatch(0)
		case modeType:
			t, ok := parseTypeName(v)
			if !ok {
				m.message = "unknown type " + clean(v)
				return *m, nil
			}
			m.qtype = t
			return m.rerun()
		case modeWrite:
			m.message = m.writeFile(v)
		case modeName:
			if v == "" {
				return *m, nil
			}
			m.name = strings.ToLower(strings.TrimSuffix(v, ".")) + "."
			m.expanded = map[string]bool{}
			m.cursor, m.offset, m.filter = 0, 0, ""
			return m.rerun()
		}
		m.updateDetail()
		return *m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.filter = strings.TrimSpace(m.input.Value())
		m.reflow()
	}
	return *m, cmd
}

func parseTypeName(s string) (uint16, bool) {
	s = strings.ToUpper(s)
	if t, ok := dns.StringToType[s]; ok {
		return t, true
	}
	var n uint16
	if _, err := fmt.Sscanf(strings.TrimPrefix(s, "TYPE"), "%d", &n); err == nil && n > 0 {
		return n, true
	}
	return 0, false
}

func (m *Model) quit() (tea.Model, tea.Cmd) {
	if m.cancel != nil {
		m.cancel()
	}
	return *m, tea.Quit
}

func (m *Model) rerun() (tea.Model, tea.Cmd) {
	if m.cancel != nil {
		m.cancel()
	}
	first := m.run == 0
	cmd := m.startCmd()
	if !first {
		m.message = "tracing " + clean(m.name) + " " + typeName(m.qtype)
	}
	return *m, tea.Batch(cmd, m.spin.Tick)
}

// writeFile saves the finished report as JSON (.json) or text.
func (m *Model) writeFile(path string) string {
	if m.report == nil {
		return "the trace has not finished yet"
	}
	if path == "" {
		return "no file name given"
	}
	f, err := os.Create(path)
	if err != nil {
		return "cannot write: " + clean(err.Error())
	}
	defer f.Close()
	if strings.HasSuffix(path, ".json") {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(m.report)
	} else {
		err = WriteText(f, m.report, Plain(), TextOptions{})
	}
	if err != nil {
		return "cannot write: " + clean(err.Error())
	}
	return "wrote " + clean(path)
}

// rebuild replaces the tree, keeping the selection where it was.
func (m *Model) rebuild(t *trace.Trace, findings []diagnose.Finding) {
	sel := ""
	if n := m.selected(); n != nil {
		sel = n.key
	}
	m.roots = buildTree(t, findings)
	m.reflow()
	if sel != "" {
		m.selectKey(sel)
	}
	m.updateDetail()
}

func (m *Model) reflow() {
	var keep func(*node) bool
	if m.filter != "" {
		f := strings.ToLower(m.filter)
		keep = func(n *node) bool { return strings.Contains(strings.ToLower(n.label), f) }
	}
	m.rows = flatten(m.roots, m.expanded, keep)
	m.matches = nil
	if keep != nil {
		for _, r := range m.rows {
			if keep(r.n) {
				m.matches = append(m.matches, r.n.key)
			}
		}
	}
	if m.cursor >= len(m.rows) {
		m.cursor = max(0, len(m.rows)-1)
	}
	m.scroll()
}

func (m *Model) selected() *node {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return nil
	}
	return m.rows[m.cursor].n
}

// selectKey moves the cursor to a node, opening its ancestors.
func (m *Model) selectKey(k string) bool {
	var target *node
	walkNodes(m.roots, func(n *node) {
		if n.key == k && target == nil {
			target = n
		}
	})
	if target == nil {
		return false
	}
	for p := target.parent; p != nil; p = p.parent {
		m.expanded[p.key] = true
	}
	m.reflow()
	for i, r := range m.rows {
		if r.n == target {
			m.cursor = i
			m.scroll()
			return true
		}
	}
	return false
}

func (m *Model) nextMatch(dir int) {
	if len(m.matches) == 0 {
		if m.filter != "" {
			m.message = "no node matches " + clean(m.filter)
		}
		return
	}
	cur := -1
	if n := m.selected(); n != nil {
		for i, k := range m.matches {
			if k == n.key {
				cur = i
			}
		}
	}
	next := 0
	if cur >= 0 {
		next = (cur + dir + len(m.matches)) % len(m.matches)
	}
	m.selectKey(m.matches[next])
	m.message = fmt.Sprintf("match %d of %d", next+1, len(m.matches))
}

func (m *Model) move(d int) {
	m.touched = m.touched || m.focus == paneTree
	switch m.focus {
	case paneTree:
		m.cursor = min(max(0, m.cursor+d), max(0, len(m.rows)-1))
		m.scroll()
	case paneFindings:
		if m.report != nil {
			m.fcursor = min(max(0, m.fcursor+d), max(0, len(m.report.Findings)-1))
		}
	case paneDetail:
		if d < 0 {
			m.detail.LineUp(-d)
		} else {
			m.detail.LineDown(d)
		}
		return
	}
	m.updateDetail()
}

// jumpToFinding selects the tree node that is the evidence of a finding.
func (m *Model) jumpToFinding() {
	if m.report == nil || m.fcursor >= len(m.report.Findings) {
		return
	}
	f := m.report.Findings[m.fcursor]
	var target string
	walkNodes(m.roots, func(n *node) {
		if target != "" {
			return
		}
		if n.kind == nkServer && n.step != nil && n.step.Zone == f.Zone {
			for _, s := range f.Servers {
				if s == n.server.Label() {
					target = n.key
				}
			}
		}
	})
	if target == "" {
		walkNodes(m.roots, func(n *node) {
			if target == "" && n.kind == nkStep && (containsInt(f.Steps, n.step.ID) || n.step.Zone == f.Zone) {
				target = n.key
			}
		})
	}
	if target != "" && m.selectKey(target) {
		m.focus = paneTree
		m.message = "evidence of " + f.ID
		m.layout()
	} else {
		m.message = "no node in the tree for " + f.ID
	}
}

func containsInt(list []int, x int) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// layout sizes the panes for the window.
func (m *Model) layout() {
	w, h := m.paneSize(paneDetail)
	m.detail.Width, m.detail.Height = w, h
	m.help.Width = m.width
	m.scroll()
	m.updateDetail()
}

func (m *Model) wide() bool { return m.width >= 110 }

// bodyHeight is the height between the header (2 lines) and footer (2).
func (m *Model) bodyHeight() int { return max(3, m.height-4-m.bannerLines()) }

func (m *Model) bannerLines() int {
	if m.opt.Banner == nil {
		return 0
	}
	return min(strings.Count(m.opt.Banner(m.width), "\n")+1, m.height/2)
}

func (m *Model) paneSize(p pane) (int, int) {
	h := m.bodyHeight() - 1 // pane title
	if !m.wide() {
		return m.width, h
	}
	left := m.width * 3 / 5
	right := m.width - left - 1
	switch p {
	case paneTree:
		return left, h
	case paneDetail:
		return right, (m.bodyHeight() - 2) * 3 / 5
	default:
		return right, m.bodyHeight() - 2 - (m.bodyHeight()-2)*3/5
	}
}

func (m *Model) scroll() {
	_, h := m.paneSize(paneTree)
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = max(0, min(m.offset, max(0, len(m.rows)-h)))
}

// updateDetail fills the detail pane for the selection.
func (m *Model) updateDetail() {
	var text string
	switch {
	case m.focus == paneFindings && m.report != nil && m.fcursor < len(m.report.Findings):
		f := m.report.Findings[m.fcursor]
		text = fmt.Sprintf("%s %s %s\n%s\n\n%s\n\nFix: %s\n\nServers: %s\nSee %s",
			strings.ToUpper(f.Severity.String()), f.ID, f.Zone, f.Summary, f.Explanation, f.Fix,
			strings.Join(f.Servers, ", "), strings.Join(f.Refs, ", "))
	case m.opt.Intro != "" && !m.touched:
		text = m.opt.Intro
	case m.selected() != nil:
		text = detailText(m.selected())
	default:
		text = m.opt.Intro
	}
	w := max(10, m.detail.Width)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	m.detail.SetContent(wrapLines(strings.Join(lines, "\n"), w))
}

// wrapLines wraps each line of text at width, keeping short lines.
func wrapLines(text string, width int) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if lipgloss.Width(line) <= width {
			out = append(out, line)
			continue
		}
		out = append(out, strings.Split(ansi.Wrap(line, width, " "), "\n")...)
	}
	return strings.Join(out, "\n")
}

// View implements tea.Model.
func (m Model) View() string {
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteString("\n")
	if n := m.bannerLines(); n > 0 {
		b.WriteString(m.fit(strings.TrimRight(m.opt.Banner(m.width), "\n"), m.width, n))
		b.WriteString("\n")
	}
	if m.showHelp {
		b.WriteString(m.fit(m.st.Title.Render("Keys")+"\n"+m.help.FullHelpView(m.keys.FullHelp())+
			"\n\nStatus symbols: ✓ ok  → referral  … pending  ⏱ timeout  ⊘ refused  ✗ lame/error  ! in a finding\nPress any key to go back.", m.width, m.bodyHeight()))
	} else if m.wide() {
		tw, _ := m.paneSize(paneTree)
		rw, dh := m.paneSize(paneDetail)
		_, fh := m.paneSize(paneFindings)
		left := m.fit(m.paneTitle(paneTree, "Delegation tree")+"\n"+m.treeView(), tw, m.bodyHeight())
		right := m.fit(m.paneTitle(paneDetail, "Detail")+"\n"+m.detail.View(), rw, dh+1) + "\n" +
			m.fit(m.paneTitle(paneFindings, m.findingsTitle())+"\n"+m.findingsView(fh), rw, m.bodyHeight()-dh-1)
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, left, strings.Repeat("│\n", m.bodyHeight()-1)+"│", right))
	} else {
		var body string
		switch m.focus {
		case paneTree:
			body = m.paneTitle(paneTree, "Delegation tree  (tab: detail, findings)") + "\n" + m.treeView()
		case paneDetail:
			body = m.paneTitle(paneDetail, "Detail  (tab: findings)") + "\n" + m.detail.View()
		case paneFindings:
			_, fh := m.paneSize(paneFindings)
			list := min(fh/3, max(1, m.findingsCount()))
			body = m.paneTitle(paneFindings, m.findingsTitle()+"  (enter: show evidence)") + "\n" + m.fit(m.findingsView(list), m.width, list) +
				"\n" + m.st.Dim.Render(strings.Repeat("─", m.width)) + "\n" + m.detail.View()
		}
		b.WriteString(m.fit(body, m.width, m.bodyHeight()))
	}
	b.WriteString("\n")
	b.WriteString(m.footer())
	return b.String()
}

func (m Model) header() string {
	title := m.st.Title.Render("ddx") + " " + clean(m.name) + " " + typeName(m.qtype)
	var line2 string
	switch {
	case m.running:
		q := 0
		if m.live != nil {
			q = m.live.t.Stats.Queries
		}
		line2 = fmt.Sprintf("%s tracing… %d queries, %s", m.spin.View(), q, m.opt.Now().Sub(m.started).Round(100*time.Millisecond))
	case m.err != nil:
		line2 = m.st.Bad.Render("error: " + clean(m.err.Error()))
	case m.report != nil:
		o := m.report.Outcome
		style := m.st.ForOutcome(o.Rcode)
		line2 = style.Render("Outcome: "+o.Rcode) + " — " + clean(o.Explanation)
	}
	return ansi.Truncate(title, m.width, "…") + "\n" + ansi.Truncate(line2, m.width, "…")
}

func (m Model) footer() string {
	var line string
	switch m.mode {
	case modeFilter:
		line = "filter: " + m.input.View()
	case modeType:
		line = "query type: " + m.input.View()
	case modeWrite:
		line = "write to (.json for JSON): " + m.input.View()
	case modeName:
		line = "trace name: " + m.input.View()
	default:
		line = m.message
		if m.report != nil {
			line = strings.TrimSpace(fmt.Sprintf("%d queries in %s, %d findings  %s", m.report.Stats.Queries,
				time.Duration(m.report.Stats.ElapsedMs*float64(time.Millisecond)).Round(time.Millisecond), len(m.report.Findings), m.message))
		}
	}
	return ansi.Truncate(line, m.width, "…") + "\n" + ansi.Truncate(m.help.ShortHelpView(m.keys.ShortHelp()), m.width, "…")
}

func (m Model) paneTitle(p pane, title string) string {
	if m.focus == p {
		return m.st.Key.Render("▌" + title)
	}
	return m.st.Dim.Render(" " + title)
}

func (m Model) findingsCount() int {
	if m.report == nil {
		return 0
	}
	return len(m.report.Findings)
}

func (m Model) findingsTitle() string {
	if m.report == nil {
		return "Findings (when the trace ends)"
	}
	return fmt.Sprintf("Findings (%d)", len(m.report.Findings))
}

func (m Model) treeView() string {
	tw, h := m.paneSize(paneTree)
	var lines []string
	for i := m.offset; i < len(m.rows) && i < m.offset+h; i++ {
		r := m.rows[i]
		n := r.n
		marker := "  "
		if len(n.children) > 0 {
			marker = "▸ "
			if isExpanded(n, m.expanded) || m.filter != "" {
				marker = "▾ "
			}
		}
		flag := " "
		if n.flagged {
			flag = m.st.Bad.Render("!")
		}
		sym := m.statusStyle(n.status).Render(n.status.symbol())
		line := strings.Repeat("  ", r.depth) + marker + flag + sym + " " + n.label
		if i == m.cursor {
			line = "›" + line
			if m.focus == paneTree {
				line = m.st.Title.Render("›") + line[len("›"):]
			}
		} else {
			line = " " + line
		}
		lines = append(lines, ansi.Truncate(line, tw, "…"))
	}
	if len(lines) == 0 {
		lines = append(lines, m.st.Dim.Render("  waiting for the first reply…"))
	}
	return strings.Join(lines, "\n")
}

func (m Model) statusStyle(s status) lipgloss.Style {
	switch s {
	case stOK:
		return m.st.OK
	case stReferral:
		return m.st.Referral
	case stPending:
		return m.st.Dim
	case stTimeout, stRefused:
		return m.st.Warn
	case stLame, stError:
		return m.st.Bad
	}
	return m.st.Dim
}

func (m Model) findingsView(h int) string {
	if m.report == nil {
		return m.st.Dim.Render("  …")
	}
	if len(m.report.Findings) == 0 {
		return m.st.OK.Render("  ✓ nothing found")
	}
	w, _ := m.paneSize(paneFindings)
	start := max(0, min(m.fcursor-h/2, len(m.report.Findings)-h))
	var lines []string
	for i := start; i < len(m.report.Findings) && len(lines) < h; i++ {
		f := m.report.Findings[i]
		style := m.st.ForSeverity(f.Severity)
		cur := " "
		if i == m.fcursor && m.focus == paneFindings {
			cur = "›"
		}
		line := fmt.Sprintf("%s%s %s %s", cur, style.Render(fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))), f.ID, clean(f.Zone))
		lines = append(lines, ansi.Truncate(line, w, "…"))
	}
	return strings.Join(lines, "\n")
}

// fit pads or cuts text to exactly w×h cells.
func (m Model) fit(text string, w, h int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		l = ansi.Truncate(l, w, "…")
		if pad := w - lipgloss.Width(l); pad > 0 {
			l += strings.Repeat(" ", pad)
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// Report returns the finished report, or nil while running.
func (m Model) Report() *diagnose.Report { return m.report }
