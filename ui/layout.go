package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/miekg/dns"
)

// The screen: a header (title and outcome, 2 lines), the banner if any,
// the panes, and a footer (status and keys, 2 lines). Wide terminals show
// the tree on the left and the detail above the findings on the right;
// narrow ones show the focused pane alone.

// layout gives each pane its size for the window.
func (m *Model) layout() {
	tw, th := m.paneSize(paneTree)
	if !m.wide() && m.storyLine() != "" {
		th-- // the most severe finding, below the tree
	}
	m.tree.SetSize(tw, th)
	fw, fh := m.paneSize(paneFindings)
	dw, dh := m.paneSize(paneDetail)
	if !m.wide() {
		fh = m.narrowFindingsLines()
		dh = max(1, m.bodyHeight()-fh-2)
	}
	m.findings.SetSize(fw, fh)
	m.detail.SetSize(dw, dh)
	m.help.Width = m.width
	m.updateDetail()
}

func (m *Model) wide() bool { return m.width >= 110 }

// bodyHeight is the height between the header and the footer.
func (m *Model) bodyHeight() int { return max(3, m.height-len(m.headerLines())-2-m.bannerLines()) }

// banner is the banner for the width, without trailing newlines.
func (m *Model) banner() string {
	if m.opt.Banner == nil {
		return ""
	}
	return strings.TrimRight(m.opt.Banner(m.width), "\n")
}

// bannerLines is the banner's height on screen: at most half of it.
func (m *Model) bannerLines() int {
	if m.opt.Banner == nil {
		return 0
	}
	return min(lipgloss.Height(m.banner()), m.height/2)
}

// paneSize is the size of a pane's content, below its title line.
func (m *Model) paneSize(p pane) (int, int) {
	h := m.bodyHeight() - 1
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

// narrowFindingsLines is how many findings a narrow screen lists above
// the detail of the selected one.
func (m *Model) narrowFindingsLines() int {
	_, fh := m.paneSize(paneFindings)
	return max(1, min(fh/3, max(1, m.findings.Len())))
}

// View implements tea.Model.
func (m Model) View() string {
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteString("\n")
	if n := m.bannerLines(); n > 0 {
		b.WriteString(fit(m.banner(), m.width, n))
		b.WriteString("\n")
	}
	switch {
	case m.mode == modeName && len(m.opt.Picks) > 0:
		b.WriteString(m.pickView(m.width, m.bodyHeight()))
	case m.showHelp:
		b.WriteString(fit(m.st.Title.Render("Keys")+"\n"+m.help.FullHelpView(m.keys.FullHelp())+
			"\n\nStatus symbols\n"+legend+"\n\nPress any key to go back.", m.width, m.bodyHeight()))
	case m.wide():
		tw, _ := m.paneSize(paneTree)
		rw, dh := m.paneSize(paneDetail)
		left := fit(m.paneTitle(paneTree, m.treeTitle(tw))+"\n"+m.tree.View(), tw, m.bodyHeight())
		right := fit(m.paneTitle(paneDetail, m.detailTitle())+"\n"+m.detail.View(), rw, dh+1) + "\n" +
			fit(m.paneTitle(paneFindings, m.findings.Title())+"\n"+m.findings.View(), rw, m.bodyHeight()-dh-1)
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, left, strings.Repeat("│\n", m.bodyHeight()-1)+"│", right))
	default:
		var body string
		switch m.focus {
		case paneTree:
			_, th := m.paneSize(paneTree)
			body = m.paneTitle(paneTree, m.treeTitle(m.width)) + "\n" + m.tree.View()
			if story := m.storyLine(); story != "" {
				body = m.paneTitle(paneTree, m.treeTitle(m.width)) + "\n" + fit(m.tree.View(), m.width, th-1) + "\n" + story
			}
		case paneDetail:
			body = m.paneTitle(paneDetail, m.detailTitle()+"  (tab: findings)") + "\n" + m.detail.View()
		case paneFindings:
			list := m.narrowFindingsLines()
			body = m.paneTitle(paneFindings, m.findings.Title()+"  (enter: show evidence)") + "\n" + fit(m.findings.View(), m.width, list) +
				"\n" + m.st.Dim.Render(strings.Repeat("─", m.width)) + "\n" + m.detail.View()
		}
		b.WriteString(fit(body, m.width, m.bodyHeight()))
	}
	b.WriteString("\n")
	b.WriteString(m.footer())
	return b.String()
}

// header is the title and the run's state: progress, error or outcome.
func (m Model) header() string { return strings.Join(m.headerLines(), "\n") }

// headerLines are the title, then the outcome: its headline and, when
// paths end differently, each branch, wrapped rather than cut so that
// every branch can be read at 80 columns.
func (m Model) headerLines() []string {
	title := m.st.Title.Render("ddx") + " " + clean(m.name) + " " + dns.Type(m.qtype).String()
	lines := []string{ansi.Truncate(title, m.width, "…")}
	switch {
	case m.running:
		q := 0
		if m.live != nil {
			q = m.live.t.Stats.Queries
		}
		lines = append(lines, fmt.Sprintf("%s tracing… %d queries, %s", m.spin.View(), q, m.opt.Now().Sub(m.started).Round(100*time.Millisecond)))
	case m.err != nil:
		lines = append(lines, m.st.Bad.Render("error: "+clean(m.err.Error())))
	case m.report != nil:
		head, branches := outcomeLines(m.report.Trace)
		rcode, rest, _ := strings.Cut(head, "  ")
		lines = append(lines, hangingWrap(m.st.ForOutcome(rcode).Render("Outcome: "+rcode)+"  "+rest, m.width, 4)...)
		limit := max(1, m.height/4)
		for i, b := range branches {
			if i == limit-1 && len(branches) > limit {
				lines = append(lines, m.st.Dim.Render(fmt.Sprintf("  and %d more ways it ends (see the tree)", len(branches)-i)))
				break
			}
			rcode, rest, _ := strings.Cut(b, "  ")
			lines = append(lines, hangingWrap("  "+m.st.ForOutcome(rcode).Render(rcode)+"  "+rest, m.width, 12)...)
		}
		if sec, words := securityLine(m.report); sec == "bogus" {
			lines = append(lines, hangingWrap(m.st.ForSecurity(sec).Render("DNSSEC: "+sec)+"  "+words, m.width, 4)...)
		}
	default:
		lines = append(lines, "")
	}
	return lines
}

// hangingWrap wraps a line to width, indenting the lines after the first.
func hangingWrap(line string, width, indent int) []string {
	if ansi.StringWidth(line) <= width || width <= indent+10 {
		return []string{ansi.Truncate(line, width, "…")}
	}
	first := strings.Split(ansi.Wordwrap(line, width, ""), "\n")
	out := []string{ansi.Truncate(first[0], width, "…")}
	rest := strings.TrimSpace(strings.Join(first[1:], " "))
	for _, l := range strings.Split(ansi.Wordwrap(rest, width-indent, ""), "\n") {
		out = append(out, ansi.Truncate(strings.Repeat(" ", indent)+l, width, "…"))
	}
	return out
}

// footer is the prompt, or the totals and the last message; then the keys.
func (m Model) footer() string {
	var line string
	switch {
	case m.mode != modeNormal:
		line = m.mode.label() + m.input.View()
	case m.report != nil:
		line = strings.TrimSpace(fmt.Sprintf("%s in %s, %s  %s", count(m.report.Stats.Queries, "query"),
			time.Duration(m.report.Stats.ElapsedMs*float64(time.Millisecond)).Round(time.Millisecond), count(len(m.report.Findings), "finding"), m.message))
	default:
		line = m.message
	}
	return ansi.Truncate(line, m.width, "…") + "\n" + ansi.Truncate(m.help.ShortHelpView(m.keys.ShortHelp()), m.width, "…")
}

// treeTitle is the breadcrumb of the selection (where it sits: zone cuts,
// server, query), its innermost end kept when it does not fit.
func (m Model) treeTitle(width int) string {
	crumbs := m.tree.Breadcrumb()
	if len(crumbs) == 0 {
		return "Delegation tree"
	}
	for i := range crumbs {
		t := strings.Join(crumbs[i:], " › ")
		if i > 0 {
			t = "… › " + t
		}
		if ansi.StringWidth(t) < width-2 || i == len(crumbs)-1 {
			return clean(t)
		}
	}
	return ""
}

// storyLine is the most severe finding in one line, for narrow screens
// where the findings pane is a key away: the cause beside the tree.
func (m Model) storyLine() string {
	if m.report == nil || len(m.report.Findings) == 0 {
		return ""
	}
	f := m.report.Findings[0]
	line := m.st.ForSeverity(f.Severity).Render("! "+strings.ToUpper(f.Severity.String())+" "+clean(f.ID)) + "  " + prose(f.Summary)
	return ansi.Truncate(line, m.width, "…")
}

func (m Model) paneTitle(p pane, title string) string {
	if m.focus == p {
		return m.st.Key.Render("▌" + title)
	}
	return m.st.Dim.Render(" " + title)
}

// fit pads or cuts text to exactly w×h cells.
func fit(text string, w, h int) string {
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		l = ansi.Truncate(l, w, "…")
		if pad := w - ansi.StringWidth(l); pad > 0 {
			l += strings.Repeat(" ", pad)
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
