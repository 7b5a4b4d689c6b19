package ui

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// CompareTable renders resolvers side by side: one column per resolver,
// rows aligned by record, differences marked with ≠.
func CompareTable(c *diagnose.Comparison, s Styles, width int) string {
	rs := c.Resolvers
	const mark, label = 2, 28
	col := 22
	if width > 0 && len(rs) > 0 {
		col = max(14, min(34, (width-mark-label)/len(rs)))
	}
	vals := func(fn func(*trace.ResolverReply) string) []string {
		var out []string
		for _, r := range rs {
			out = append(out, fn(r))
		}
		return out
	}
	var rows [][]string
	line := func(name string, vals []string, markDiff bool) {
		m := ""
		if markDiff && slices.ContainsFunc(vals, func(v string) bool { return v != vals[0] }) {
			m = s.Bad.Render("≠")
		}
		rows = append(rows, append([]string{m, name}, vals...))
	}
	line("outcome", vals(func(r *trace.ResolverReply) string {
		if r.Error != "" {
			return "✗ " + r.Error
		}
		o := diagnose.Outcome(r, c.Query.Qtype)
		return strings.SplitN(o, ":", 2)[0]
	}), true)
	line("flags", vals(func(r *trace.ResolverReply) string { return strings.Join(withoutQR(r.Flags), " ") }), true)
	line("time", vals(func(r *trace.ResolverReply) string {
		if r.Transport == "" {
			return "-"
		}
		return fmtRTT(r.RTTms) + " " + r.Transport
	}), false)
	line("extended error", vals(func(r *trace.ResolverReply) string {
		var e []string
		for _, x := range r.EDE {
			t := fmt.Sprintf("%d %s", x.Code, x.Name)
			if x.Text != "" {
				t += ": " + x.Text
			}
			e = append(e, t)
		}
		if len(e) == 0 {
			return "-"
		}
		return strings.Join(e, "; ")
	}), true)
	if anyNSID(rs) {
		line("nsid", vals(func(r *trace.ResolverReply) string {
			if r.EDNS == nil || r.EDNS.NSID == "" {
				return "-"
			}
			return r.EDNS.NSID
		}), false)
	}
	// Records, aligned by name, type and data; each column shows the TTL.
	keys := map[string]trace.RR{}
	for _, r := range rs {
		for _, rr := range r.Answers {
			keys[rr.Key()] = rr
		}
	}
	sorted := slices.Sorted(maps.Keys(keys))
	section := -1
	if len(sorted) > 0 {
		section = len(rows) + 1 // +1: the header row
		rows = append(rows, []string{"", "answer records (TTL)"})
	}
	for _, k := range sorted {
		rr := keys[k]
		line(rr.Name+" "+rr.Type+" "+rr.Data, vals(func(r *trace.ResolverReply) string {
			for _, x := range r.Answers {
				if x.Key() == k {
					return fmt.Sprintf("%d", x.TTL)
				}
			}
			return "—"
		}), true)
	}

	heads := append([]string{"", ""}, vals(func(r *trace.ResolverReply) string { return r.Address })...)
	// Cells are cleaned and cut to their column here, so the table only
	// pads; the mark column holds an already styled ≠.
	for _, row := range append([][]string{heads}, rows...) {
		for j := 1; j < len(row); j++ {
			w := col
			if j == 1 {
				w = label
			}
			row[j] = ansi.Truncate(clean(row[j]), w-1, "…")
		}
	}
	t := table.New().Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).
		Headers(heads...).Rows(rows...).
		StyleFunc(func(row, j int) lipgloss.Style {
			st := s.Text
			switch {
			case row == table.HeaderRow && j > 1:
				st = s.Title
			case row+1 == section:
				st = s.Dim
			}
			switch j {
			case 0:
				return st.Width(mark)
			case 1:
				return st.Width(label)
			}
			return st.Width(col)
		})
	return t.String() + "\n"
}

func withoutQR(flags []string) []string {
	var out []string
	for _, f := range flags {
		if f != "qr" {
			out = append(out, f)
		}
	}
	return out
}

func anyNSID(rs []*trace.ResolverReply) bool {
	for _, r := range rs {
		if r.EDNS != nil && r.EDNS.NSID != "" {
			return true
		}
	}
	return false
}

// WriteComparison renders a comparison for a terminal or a ticket: the
// table, what the authoritative servers say, and the findings.
func WriteComparison(w io.Writer, c *diagnose.Comparison, s Styles, width int) error {
	fmt.Fprintln(w, s.Title.Render(fmt.Sprintf("Compare %s %s", clean(c.Query.Name), c.Query.Type)))
	fmt.Fprint(w, CompareTable(c, s, width))
	if c.Trace != nil {
		o := c.Trace.Outcome
		fmt.Fprintf(w, "\n%s %s\n", s.Title.Render("Authoritative (trace from the root):"), clean(o.Rcode))
		for _, a := range o.Answers {
			fmt.Fprintf(w, "  %s\n", clean(a))
		}
		fmt.Fprintf(w, "  %s\n", clean(o.Explanation))
	}
	fs := append([]diagnose.Finding{}, c.Findings...)
	if len(fs) > 0 {
		fmt.Fprintln(w)
		WriteFindings(w, fs, s)
	} else {
		fmt.Fprintln(w, "\n"+s.OK.Render("✓ the resolvers agree with each other and with the authoritative servers"))
	}
	return nil
}

// WriteResolverReply renders one resolver's reply the way dig does.
func WriteResolverReply(w io.Writer, r *trace.ResolverReply, s Styles) error {
	fmt.Fprintf(w, "%s %s\n", s.Title.Render(";; resolver"), clean(r.Address))
	if r.Error != "" {
		_, err := fmt.Fprintf(w, "%s\n", s.Bad.Render(";; no answer: "+clean(r.Error)))
		return err
	}
	fmt.Fprintf(w, ";; status: %s, flags: %s; %s over %s\n", r.Rcode, strings.Join(withoutQR(r.Flags), " "), fmtRTT(r.RTTms), r.Transport)
	if r.EDNS != nil {
		fmt.Fprintf(w, ";; EDNS: udp %d", r.EDNS.UDPSize)
		if r.EDNS.NSID != "" {
			fmt.Fprintf(w, ", NSID %q", r.EDNS.NSID)
		}
		fmt.Fprintln(w)
	}
	for _, e := range r.EDE {
		fmt.Fprintf(w, ";; EDE %d (%s): %s\n", e.Code, e.Name, clean(e.Text))
	}
	for _, sec := range []struct {
		name string
		rrs  []trace.RR
	}{{"ANSWER", r.Answers}, {"AUTHORITY", r.Authority}, {"ADDITIONAL", r.Additional}} {
		if len(sec.rrs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n;; %s SECTION:\n", sec.name)
		for _, rr := range sec.rrs {
			fmt.Fprintf(w, "%s\t%d\tIN\t%s\t%s\n", clean(rr.Name), rr.TTL, rr.Type, clean(strings.TrimSpace(rr.Data)))
		}
	}
	return nil
}
