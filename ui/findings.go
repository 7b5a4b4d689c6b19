package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
)

// findingsPane lists the findings once the trace has ended; enter asks
// the root to show a finding's evidence in the tree.
type findingsPane struct {
	st       Styles
	keys     KeyMap
	findings []diagnose.Finding
	ended    bool // the trace ended: the list is final
	cursor   int
	focused  bool
	width    int
	height   int
}

func newFindingsPane(st Styles, keys KeyMap) findingsPane {
	return findingsPane{st: st, keys: keys, width: 80, height: 5}
}

// Update moves the cursor; enter returns a command that asks for the
// selected finding's evidence.
func (p findingsPane) Update(msg tea.Msg) (findingsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.move(-3)
		case tea.MouseButtonWheelDown:
			p.move(3)
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Up):
			p.move(-1)
		case key.Matches(msg, p.keys.Down):
			p.move(1)
		case key.Matches(msg, p.keys.PageUp):
			p.move(-p.height)
		case key.Matches(msg, p.keys.PageDown):
			p.move(p.height)
		case key.Matches(msg, p.keys.Top):
			p.move(-len(p.findings))
		case key.Matches(msg, p.keys.Bottom):
			p.move(len(p.findings))
		case key.Matches(msg, p.keys.Toggle):
			if f, ok := p.Selected(); ok {
				return p, func() tea.Msg { return evidenceMsg{f} }
			}
		}
	}
	return p, nil
}

// SetSize sets the width and the number of findings shown.
func (p *findingsPane) SetSize(w, h int) { p.width, p.height = w, max(1, h) }

// SetFocused says whether the pane has the focus (it shows its cursor).
func (p *findingsPane) SetFocused(f bool) { p.focused = f }

// SetFindings replaces the list; ended says the trace is over.
func (p *findingsPane) SetFindings(fs []diagnose.Finding, ended bool) {
	p.findings, p.ended = fs, ended
	p.cursor = min(p.cursor, max(0, len(fs)-1))
}

// Selected is the finding under the cursor.
func (p findingsPane) Selected() (diagnose.Finding, bool) {
	if !p.ended || p.cursor >= len(p.findings) {
		return diagnose.Finding{}, false
	}
	return p.findings[p.cursor], true
}

// Len is the number of findings.
func (p findingsPane) Len() int { return len(p.findings) }

// Title is the pane's title, with the count once known.
func (p findingsPane) Title() string {
	if !p.ended {
		return "Findings (when the trace ends)"
	}
	return fmt.Sprintf("Findings (%d)", len(p.findings))
}

func (p *findingsPane) move(d int) {
	p.cursor = min(max(0, p.cursor+d), max(0, len(p.findings)-1))
}

// View is one line per finding, scrolled to keep the cursor in view.
func (p findingsPane) View() string {
	if !p.ended {
		return p.st.Dim.Render("  …")
	}
	if len(p.findings) == 0 {
		return p.st.OK.Render("  ✓ nothing found")
	}
	ids := map[string]int{}
	for _, f := range p.findings {
		ids[f.ID]++
	}
	start := p.start()
	var lines []string
	for i := start; i < len(p.findings) && len(lines) < p.height; i++ {
		f := p.findings[i]
		sev := fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))
		what := f.ID + " " + clean(f.Zone)
		if ids[f.ID] > 1 && len(f.Servers) > 0 {
			what = f.ID + " " + clean(serverNames(f.Servers)) // which one of them
		}
		if i == p.cursor {
			style := p.st.Cursor
			if p.focused {
				style = p.st.Selected
			}
			line := ansi.Truncate("›"+sev+" "+what, p.width, "…")
			lines = append(lines, style.Render(line+strings.Repeat(" ", max(0, p.width-ansi.StringWidth(line)))))
			continue
		}
		line := " " + p.st.ForSeverity(f.Severity).Render(sev) + " " + what
		lines = append(lines, ansi.Truncate(line, p.width, "…"))
	}
	return strings.Join(lines, "\n")
}

// start is the first finding shown: the list scrolls to keep the cursor
// in view.
func (p findingsPane) start() int {
	return max(0, min(p.cursor-p.height/2, len(p.findings)-p.height))
}

// SelectRow moves the cursor to the finding on line y of the list, as a
// mouse click does.
func (p *findingsPane) SelectRow(y int) bool {
	i := p.start() + y
	if !p.ended || y < 0 || y >= p.height || i >= len(p.findings) {
		return false
	}
	p.cursor = i
	return true
}

// findingText is the detail pane for a finding.
func findingText(f diagnose.Finding) string {
	return fmt.Sprintf("%s %s %s\n%s\n\n%s\n\nFix: %s\n\nServers: %s\nSee %s",
		strings.ToUpper(f.Severity.String()), f.ID, f.Zone, prose(f.Summary), prose(f.Explanation), prose(f.Fix),
		strings.Join(f.Servers, ", "), strings.Join(f.Refs, ", "))
}
