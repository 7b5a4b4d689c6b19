package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// treePane is the delegation tree: rows that open and close, a cursor, and
// a filter. It grows as the root model hands it a rebuilt tree.
type treePane struct {
	st       Styles
	keys     KeyMap
	roots    []*node
	rows     []row
	cursor   int
	offset   int
	expanded map[string]bool
	filter   string
	matches  []string
	focused  bool
	width    int
	height   int
}

func newTreePane(st Styles, keys KeyMap) treePane {
	return treePane{st: st, keys: keys, expanded: map[string]bool{}, width: 80, height: 20}
}

// Update moves the cursor and opens and closes nodes.
func (p treePane) Update(msg tea.Msg) (treePane, tea.Cmd) {
	k := p.keys
	switch msg := msg.(type) {
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.move(-3)
		case tea.MouseButtonWheelDown:
			p.move(3)
		}
	case tea.KeyMsg:
		n := p.Selected()
		switch {
		case key.Matches(msg, k.Up):
			p.move(-1)
		case key.Matches(msg, k.Down):
			p.move(1)
		case key.Matches(msg, k.Left) && n != nil:
			if isExpanded(n, p.expanded) && len(n.children) > 0 {
				p.expanded[n.key] = false
			} else if n.parent != nil {
				p.Select(n.parent.key)
			}
			p.reflow()
		case key.Matches(msg, k.Right) && n != nil:
			p.expanded[n.key] = true
			p.reflow()
		case key.Matches(msg, k.Toggle) && n != nil:
			p.expanded[n.key] = !isExpanded(n, p.expanded)
			p.reflow()
		case key.Matches(msg, k.ExpandAll):
			walkNodes(p.roots, func(n *node) { p.expanded[n.key] = true })
			p.reflow()
		case key.Matches(msg, k.CollapseAll):
			walkNodes(p.roots, func(n *node) { p.expanded[n.key] = false })
			p.reflow()
		}
	}
	return p, nil
}

// SetSize sets the rows and columns the tree may use.
func (p *treePane) SetSize(w, h int) {
	p.width, p.height = w, max(1, h)
	p.scroll()
}

// SetFocused says whether the pane has the focus (its cursor is bright).
func (p *treePane) SetFocused(f bool) { p.focused = f }

// SetRoots replaces the tree, keeping the selection where it was.
func (p *treePane) SetRoots(roots []*node) {
	sel := ""
	if n := p.Selected(); n != nil {
		sel = n.key
	}
	p.roots = roots
	p.reflow()
	if sel != "" {
		p.Select(sel)
	}
}

// Reset forgets what was opened and selected, for another name.
func (p *treePane) Reset() {
	p.expanded = map[string]bool{}
	p.cursor, p.offset, p.filter = 0, 0, ""
	p.reflow()
}

// SetFilter keeps only the rows whose label contains f (and their
// ancestors); "" shows every row.
func (p *treePane) SetFilter(f string) {
	p.filter = f
	p.reflow()
}

// Selected is the node under the cursor, or nil.
func (p treePane) Selected() *node {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil
	}
	return p.rows[p.cursor].n
}

// Select moves the cursor to a node, opening its ancestors.
func (p *treePane) Select(k string) bool {
	var target *node
	walkNodes(p.roots, func(n *node) {
		if n.key == k && target == nil {
			target = n
		}
	})
	if target == nil {
		return false
	}
	for a := target.parent; a != nil; a = a.parent {
		p.expanded[a.key] = true
	}
	p.reflow()
	for i, r := range p.rows {
		if r.n == target {
			p.cursor = i
			p.scroll()
			return true
		}
	}
	return false
}

// NextMatch selects the next (dir 1), previous (-1) or first (0) row that
// matches the filter, and says which it is.
func (p *treePane) NextMatch(dir int) string {
	if len(p.matches) == 0 {
		if p.filter != "" {
			return "no node matches " + clean(p.filter)
		}
		return ""
	}
	cur := -1
	if n := p.Selected(); n != nil {
		cur = slices.Index(p.matches, n.key)
	}
	next := 0
	if cur >= 0 && dir != 0 {
		next = (cur + dir + len(p.matches)) % len(p.matches)
	}
	p.Select(p.matches[next])
	return fmt.Sprintf("match %d of %d", next+1, len(p.matches))
}

// ShowEvidence selects the server (or else the zone cut) a finding is
// about.
func (p *treePane) ShowEvidence(f diagnose.Finding) bool {
	var target string
	walkNodes(p.roots, func(n *node) {
		if target == "" && n.kind == nkServer && n.step != nil && n.step.Zone == f.Zone &&
			slices.Contains(f.Servers, n.server.Label()) {
			target = n.key
		}
	})
	if target == "" {
		walkNodes(p.roots, func(n *node) {
			if target == "" && n.kind == nkStep && (slices.Contains(f.Steps, n.step.ID) || n.step.Zone == f.Zone) {
				target = n.key
			}
		})
	}
	if target == "" || !p.Select(target) {
		return false
	}
	p.center()
	return true
}

// FocusStory puts the cursor where the story is, with the path to it
// open: the evidence of the most severe finding, else the first thing
// that went wrong, else the answer.
func (p *treePane) FocusStory(fs []diagnose.Finding) {
	for _, f := range fs {
		if f.Severity >= diagnose.Warning && p.ShowEvidence(f) {
			return
		}
	}
	var first, answer string
	walkNodes(p.roots, func(n *node) {
		if first == "" && n.status.problem() {
			first = n.key
		}
		if answer == "" && n.kind == nkResult && n.result != nil && n.result.Kind != trace.KindReferral && n.result.Kind != trace.KindCNAME {
			answer = n.key
		}
	})
	for _, k := range []string{first, answer} {
		if k != "" && p.Select(k) {
			p.center()
			return
		}
	}
}

// center scrolls so that the cursor is in the middle of the pane.
func (p *treePane) center() {
	p.offset = p.cursor - p.height/2
	p.scroll()
}

func (p *treePane) move(d int) {
	p.cursor = min(max(0, p.cursor+d), max(0, len(p.rows)-1))
	p.scroll()
}

func (p *treePane) reflow() {
	var keep func(*node) bool
	if p.filter != "" {
		f := strings.ToLower(p.filter)
		keep = func(n *node) bool { return strings.Contains(strings.ToLower(n.label), f) }
	}
	p.rows = flatten(p.roots, p.expanded, keep)
	p.matches = nil
	if keep != nil {
		for _, r := range p.rows {
			if keep(r.n) {
				p.matches = append(p.matches, r.n.key)
			}
		}
	}
	if p.cursor >= len(p.rows) {
		p.cursor = max(0, len(p.rows)-1)
	}
	p.scroll()
}

// scroll keeps the cursor in view.
func (p *treePane) scroll() {
	h := p.height
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, max(0, len(p.rows)-h)))
}

// View is the visible rows, one line each, cut to the width.
func (p treePane) View() string {
	var lines []string
	for i := p.offset; i < len(p.rows) && i < p.offset+p.height; i++ {
		r := p.rows[i]
		n := r.n
		marker := "  "
		if len(n.children) > 0 {
			marker = "▸ "
			if isExpanded(n, p.expanded) || p.filter != "" {
				marker = "▾ "
			}
		}
		flag := " "
		if n.flagged {
			flag = p.st.Bad.Render("!")
		}
		sym := p.st.ForStatus(n.status).Render(n.status.symbol())
		line := strings.Repeat("  ", r.depth) + marker + flag + sym + " " + n.label
		switch {
		case i == p.cursor && p.focused:
			line = p.st.Title.Render("›") + line
		case i == p.cursor:
			line = "›" + line
		default:
			line = " " + line
		}
		lines = append(lines, ansi.Truncate(line, p.width, "…"))
	}
	if len(lines) == 0 {
		lines = append(lines, p.st.Dim.Render("  waiting for the first reply…"))
	}
	return strings.Join(lines, "\n")
}
