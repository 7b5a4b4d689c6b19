package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/trace"
)

// detailPane shows the text for the selection (a node, a finding or the
// intro), wrapped to its width; it scrolls when it has the focus.
type detailPane struct {
	vp      viewport.Model
	keys    KeyMap
	text    string
	focused bool
}

func newDetailPane(keys KeyMap) detailPane {
	return detailPane{vp: viewport.New(40, 10), keys: keys}
}

// Update scrolls.
func (p detailPane) Update(msg tea.Msg) (detailPane, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.vp.ScrollUp(3)
		case tea.MouseButtonWheelDown:
			p.vp.ScrollDown(3)
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, p.keys.Up):
			p.vp.ScrollUp(1)
		case key.Matches(msg, p.keys.Down):
			p.vp.ScrollDown(1)
		case key.Matches(msg, p.keys.PageUp):
			p.vp.PageUp()
		case key.Matches(msg, p.keys.PageDown, p.keys.Toggle):
			p.vp.PageDown()
		case key.Matches(msg, p.keys.Top):
			p.vp.GotoTop()
		case key.Matches(msg, p.keys.Bottom):
			p.vp.GotoBottom()
		}
	}
	return p, nil
}

// SetSize sets the pane's size and wraps the text again.
func (p *detailPane) SetSize(w, h int) {
	p.vp.Width, p.vp.Height = w, max(1, h)
	p.SetContent(p.text)
}

// SetFocused says whether the pane has the focus.
func (p *detailPane) SetFocused(f bool) { p.focused = f }

// SetContent shows text, with control characters escaped, wrapped to the
// width. The scroll position is kept when the text is the same, and back
// at the top when it describes something else.
func (p *detailPane) SetContent(text string) {
	if text != p.text {
		p.vp.GotoTop()
	}
	p.text = text
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = clean(l)
	}
	p.vp.SetContent(wrapLines(strings.Join(lines, "\n"), max(10, p.vp.Width)))
}

// View is the visible part of the text.
func (p detailPane) View() string { return p.vp.View() }

// Text is the whole text shown, unwrapped.
func (p detailPane) Text() string { return p.text }

// wrapLines wraps each line of text at width cells, keeping short lines.
func wrapLines(text string, width int) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if ansi.StringWidth(line) <= width {
			out = append(out, line)
			continue
		}
		// The lines after the first keep the line's indent; a tree's
		// branches (├─ └─) continue as │ or blanks below themselves.
		lead := line[:len(line)-len(strings.TrimLeft(line, " │├└─"))]
		indent := strings.NewReplacer("├", "│", "└", " ", "─", " ").Replace(lead)
		if ansi.StringWidth(indent) > width/2 {
			lead, indent = "", ""
		}
		for i, l := range strings.Split(ansi.Wrap(strings.TrimPrefix(line, lead), width-ansi.StringWidth(indent), " "), "\n") {
			if i > 0 {
				out = append(out, indent+strings.TrimLeft(l, " "))
				continue
			}
			out = append(out, lead+l)
		}
	}
	return strings.Join(out, "\n")
}

// detailText is the detail pane for a node: for a query, the question
// sent, every attempt and the full reply in dig's presentation format.
func detailText(n *node) string {
	var b strings.Builder
	switch n.kind {
	case nkStep:
		st := n.step
		fmt.Fprintf(&b, "Zone %s, asked %s %s\n", zoneName(st.Zone), st.Name, st.Type)
		d := st.Delegation
		fmt.Fprintf(&b, "Servers from: %s", d.Source)
		if len(d.From) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(d.From, ", "))
		}
		b.WriteString("\n\nName servers:\n")
		for _, h := range d.NS {
			glue := "no glue"
			if len(h.Glue) > 0 {
				glue = "glue " + strings.Join(h.Glue, " ")
			}
			fmt.Fprintf(&b, "  %s  %s; addresses %s", h.Name, glue, strings.Join(h.Addrs, " "))
			if h.Error != "" {
				fmt.Fprintf(&b, "; %s", h.Error)
			}
			b.WriteString("\n")
		}
		b.WriteString("\nResults:\n")
		for _, r := range st.Results {
			fmt.Fprintf(&b, "  %s %s%s from %s\n", r.Kind, r.Zone, r.Target, strings.Join(r.Servers, ", "))
			if r.Why != "" && r.Kind == trace.KindFailed {
				fmt.Fprintf(&b, "    %s\n", r.Why)
			}
		}
		for _, s := range st.Skipped {
			fmt.Fprintf(&b, "Skipped: %s\n", s)
		}
	case nkGroup:
		fmt.Fprintf(&b, "Every server of %s asked said the same:\n\n", zoneName(n.step.Zone))
		for _, c := range n.children {
			fmt.Fprintf(&b, "  %s\n", c.label)
		}
		b.WriteString("\nExpand (→) to see each one.")
	case nkServer:
		s := n.server
		fmt.Fprintf(&b, "Server %s for zone %s\n\n", s.Label(), zoneName(n.step.Zone))
		for _, q := range s.Queries {
			w, _ := queryStatus(q)
			fmt.Fprintf(&b, "  %-10s %s %s: %s\n", q.Purpose, q.Name, q.Type, w)
		}
		b.WriteString("\nExpand (→) and select a query to see the full reply.")
	case nkQuery, nkAttempt:
		q := n.query
		fmt.Fprintf(&b, "%s  %s %s (%s)\n", n.server.Label(), q.Name, q.Type, q.Purpose)
		rd := "RD=0"
		if q.RD {
			rd = "RD=1"
		}
		fmt.Fprintf(&b, "Sent: %s, EDNS0 buffer 1232 unless noted, random ID\n", rd)
		what, _ := queryStatus(q)
		what, _, _ = strings.Cut(what, "  ")
		fmt.Fprintf(&b, "Result: %s  RTT %s  over %s  %d bytes\n\nAttempts:\n", what, fmtRTT(q.RTTms), q.Transport, q.Size)
		for _, a := range q.Attempts {
			l, _ := attemptText(a)
			fmt.Fprintf(&b, "  %s\n", l)
		}
		if q.Reply != nil {
			b.WriteString("\nReply:\n")
			b.WriteString(strings.ReplaceAll(q.Reply.String(), "\t", " "))
		} else if q.Error != "" {
			fmt.Fprintf(&b, "\nNo reply: %s\n", q.Error)
		}
	case nkLookup:
		if n.host != nil && n.parent != nil && n.parent.kind == nkStep {
			h := n.host
			fmt.Fprintf(&b, "%s serves %s, but the referral gave no address for it (no glue),\nso its addresses were looked up separately:\n\n  %s\n\n", h.Name, zoneName(n.step.Zone), n.label)
			if len(n.children) == 0 {
				b.WriteString("The lookup was already made earlier in this run; its answer was used again.\n")
			} else {
				b.WriteString("Expand (→) to follow each lookup from the root.\n")
			}
			break
		}
		l := n.lookup
		fmt.Fprintf(&b, "Lookup of %s %s (%s)\nOutcome: %s\n%s\n", l.Name, l.Type, l.Reason, l.Outcome.Rcode, l.Outcome.Explanation)
		for _, a := range l.Outcome.Answers {
			fmt.Fprintf(&b, "  %s\n", a)
		}
	case nkResult:
		r := n.result
		fmt.Fprintf(&b, "%s from %s\n", r.Kind, strings.Join(r.Servers, ", "))
		if r.Why != "" {
			fmt.Fprintf(&b, "%s\n", r.Why)
		}
		for _, rec := range r.Records {
			fmt.Fprintf(&b, "  %s\n", rec)
		}
	default:
		b.WriteString(n.label)
	}
	return b.String()
}
