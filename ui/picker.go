package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Pick is one entry of the list o offers (the demo's scenarios): what to
// trace, NAME [TYPE], and what it shows.
type Pick struct {
	Target, What string
}

// picks are the entries that match what is typed so far.
func (m Model) picks() []Pick {
	typed := strings.ToLower(strings.TrimSpace(m.input.Value()))
	var out []Pick
	for _, p := range m.opt.Picks {
		if typed == "" || strings.Contains(strings.ToLower(p.Target+" "+p.What), typed) {
			out = append(out, p)
		}
	}
	return out
}

// picked is the entry under the pick cursor, if any.
func (m Model) picked() (Pick, bool) {
	ps := m.picks()
	if len(ps) == 0 {
		return Pick{}, false
	}
	return ps[min(max(0, m.pickCursor), len(ps)-1)], true
}

// movePick moves the pick cursor within the matching entries.
func (m *Model) movePick(d int) {
	m.pickCursor = min(max(0, m.pickCursor+d), max(0, len(m.picks())-1))
}

// pickView is the list, the cursor's entry highlighted and in view.
func (m Model) pickView(w, h int) string {
	ps := m.picks()
	lines := []string{m.st.Key.Render("▌Trace which? ↑↓ choose, enter traces it; or type NAME [TYPE]")}
	if len(ps) == 0 {
		lines = append(lines, m.st.Dim.Render("  no scenario matches: enter traces what you typed"))
		return fit(strings.Join(lines, "\n"), w, h)
	}
	width := 0
	for _, p := range ps {
		width = max(width, ansi.StringWidth(p.Target))
	}
	cur := min(max(0, m.pickCursor), len(ps)-1)
	rows := h - 1
	start := max(0, min(cur-rows/2, len(ps)-rows))
	for i := start; i < len(ps) && len(lines) < h; i++ {
		line := fmt.Sprintf(" %-*s  %s", width, clean(ps[i].Target), clean(ps[i].What))
		if i == cur {
			line = ansi.Truncate("›"+line[1:], w, "…")
			lines = append(lines, m.st.Selected.Render(line+strings.Repeat(" ", max(0, w-ansi.StringWidth(line)))))
			continue
		}
		lines = append(lines, line)
	}
	return fit(strings.Join(lines, "\n"), w, h)
}
