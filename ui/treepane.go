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
		case key.Matches(msg, k.PageUp):
			p.move(-p.height)
		case key.Matches(msg, k.PageDown):
			p.move(p.height)
		case key.Matches(msg, k.Top):
			p.move(-len(p.rows))
		case key.Matches(msg, k.Bottom):
			p.move(len(p.rows))
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
	find := func(ok func(n *node) bool) {
		walkNodes(p.roots, func(n *node) {
			if target == "" && ok(n) {
				target = n.key
			}
		})
	}
	// The server that got a query the finding cites, then a server it
	// names, then a glueless name server it names, then the zone cut.
	find(func(n *node) bool {
		if n.kind != nkServer {
			return false
		}
		for _, q := range n.server.Queries {
			if slices.Contains(f.Queries, q.ID) {
				return true
			}
		}
		return false
	})
	find(func(n *node) bool {
		return n.kind == nkServer && n.step != nil && n.step.Zone == f.Zone && slices.Contains(f.Servers, n.server.Label())
	})
	find(func(n *node) bool {
		return n.kind == nkLookup && n.host != nil && n.step != nil && n.step.Zone == f.Zone && slices.Contains(f.Servers, n.host.Name)
	})
	find(func(n *node) bool {
		return n.kind == nkStep && (slices.Contains(f.Steps, n.step.ID) || n.step.Zone == f.Zone)
	})
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
		if n.kind == nkResult && n.result != nil && n.result.Kind != trace.KindReferral && n.result.Kind != trace.KindCNAME && !inLookup(n) {
			answer = n.key // the last: after an alias, the target's answer
		}
	})
	for _, k := range []string{first, answer} {
		if k != "" && p.Select(k) {
			p.center()
			return
		}
	}
}

// NextProblem selects the next (dir 1) or previous (-1) node that went
// wrong or is in a finding, opening the path to it, and says which.
func (p *treePane) NextProblem(dir int) string {
	var all []*node
	walkNodes(p.roots, func(n *node) { all = append(all, n) })
	cur := -1
	sel := p.Selected()
	var problems []int
	for i, n := range all {
		if n == sel {
			cur = i
		}
		if n.status.problem() || n.flagged {
			problems = append(problems, i)
		}
	}
	if len(problems) == 0 {
		return "no problem in the tree"
	}
	pick := -1
	for j, i := range problems {
		if dir > 0 && i > cur && pick < 0 {
			pick = j
		}
		if dir < 0 && i < cur {
			pick = j
		}
	}
	wrapped := pick < 0
	if wrapped {
		pick = 0
		if dir < 0 {
			pick = len(problems) - 1
		}
	}
	p.Select(all[problems[pick]].key)
	p.center()
	msg := fmt.Sprintf("problem %d of %d", pick+1, len(problems))
	if wrapped && cur >= 0 {
		msg += " (from the other end)"
	}
	return msg
}

// SelectRow moves the cursor to the row shown on line y of the pane (0
// is its first row), as a mouse click does; it reports whether there was
// a row there.
func (p *treePane) SelectRow(y int) bool {
	i := p.offset + y
	if y < 0 || y >= p.height || i >= len(p.rows) {
		return false
	}
	p.cursor = i
	return true
}

// Breadcrumb is where the selection sits: the zone cuts, server and
// query above it, outermost first.
func (p treePane) Breadcrumb() []string {
	var crumbs []string
	for n := p.Selected(); n != nil; n = n.parent {
		if c := crumb(n); c != "" {
			crumbs = append([]string{c}, crumbs...)
		}
	}
	return crumbs
}

func crumb(n *node) string {
	switch n.kind {
	case nkStep:
		return zoneName(n.step.Zone)
	case nkServer:
		return n.server.Name + " " + n.server.Address
	case nkLookup:
		if n.host != nil && n.lookup != nil && n.parent != nil && n.parent.kind == nkStep {
			return n.host.Name
		}
		if n.lookup != nil {
			return n.lookup.Type + " lookup"
		}
		return n.host.Name
	case nkQuery:
		return string(n.query.Purpose) + " " + n.query.Type
	case nkAttempt:
		return "try"
	case nkGroup:
		return "servers"
	case nkResult:
		return string(n.result.Kind)
	}
	return ""
}

// inLookup reports whether a node is part of a glueless name server's
// lookup rather than of the question asked.
func inLookup(n *node) bool {
	for a := n.parent; a != nil; a = a.parent {
		if a.kind == nkLookup {
			return true
		}
	}
	return false
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
		indent := strings.Repeat("  ", r.depth) + marker
		if i == p.cursor {
			// The whole row, across the width: plain text under one style.
			f := " "
			if n.flagged {
				f = "!"
			}
			line := ansi.Truncate("›"+indent+f+n.status.symbol()+" "+n.label, p.width, "…")
			line += strings.Repeat(" ", max(0, p.width-ansi.StringWidth(line)))
			style := p.st.Cursor
			if p.focused {
				style = p.st.Selected
			}
			lines = append(lines, style.Render(line))
			continue
		}
		sym := p.st.ForStatus(n.status).Render(n.status.symbol())
		line := " " + indent + flag + sym + " " + n.label
		lines = append(lines, ansi.Truncate(line, p.width, "…"))
	}
	if len(lines) == 0 {
		lines = append(lines, p.st.Dim.Render("  waiting for the first reply…"))
	}
	return strings.Join(lines, "\n")
}
