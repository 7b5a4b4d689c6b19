package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
)

// twoResolvers is a comparison of a resolver that answers and one that
// fails with an extended error carrying an escape sequence.
func twoResolvers() *diagnose.Comparison {
	c := &diagnose.Comparison{Query: trace.Question{Name: "www.x.test.", Type: "A", Qtype: 1}}
	c.Resolvers = []*trace.ResolverReply{
		{Address: "127.0.0.1:53", Rcode: "NOERROR", Flags: []string{"qr", "rd", "ra"}, RTTms: 3, Transport: "udp",
			Answers: []trace.RR{{Name: "www.x.test.", Type: "A", Data: "192.0.2.1", TTL: 300}}},
		{Address: "127.0.0.2:53", Rcode: "SERVFAIL", Flags: []string{"qr", "rd", "ra"}, RTTms: 13, Transport: "udp",
			EDE: []trace.EDE{{Code: 22, Name: "No Reachable Authority", Text: "evil \x1b[2J and a long text"}}},
	}
	return c
}

func TestCompareTable(t *testing.T) {
	c := twoResolvers()
	for _, width := range []int{0, 80, 100} {
		out := CompareTable(c, Plain(), width)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		row := func(prefix string) string {
			for _, l := range lines {
				if strings.HasPrefix(l, prefix) {
					return l
				}
			}
			t.Errorf("width %d: no row %q in\n%s", width, prefix, out)
			return ""
		}
		if r := row("≠ outcome"); !strings.Contains(r, "NOERROR") || !strings.Contains(r, "SERVFAIL") {
			t.Errorf("outcome row %q", r)
		}
		row("  flags")
		row("≠ extended error")
		row("  answer records (TTL)")
		if r := row("≠ www.x.test. A 192.0.2.1"); !strings.Contains(r, "300") || !strings.Contains(r, "—") {
			t.Errorf("record row %q", r)
		}
		// Columns line up: the second resolver starts at the same cell in
		// the header and the outcome row.
		head, outcome := lines[0], row("≠ outcome")
		if a, b := ansi.StringWidth(head[:strings.Index(head, "127.0.0.2")]), ansi.StringWidth(outcome[:strings.Index(outcome, "SERVFAIL")]); a != b {
			t.Errorf("width %d: header column at %d, outcome column at %d:\n%s", width, a, b, out)
		}
		if width > 0 {
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > width {
					t.Errorf("width %d: a line of %d cells: %q", width, w, l)
				}
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("an escape sequence reached the table: %q", out)
		}
	}
}

// The AD row appears when a resolver validated: a validating and a plain
// resolver agree, so the row is not marked as a difference; the extended
// error of a bogus answer is escaped.
func TestCompareTableAD(t *testing.T) {
	c := twoResolvers()
	if out := CompareTable(c, Plain(), 100); strings.Contains(out, "AD") {
		t.Errorf("an AD row without any AD:\n%s", out)
	}
	c.Resolvers[0].AD, c.Resolvers[0].Flags = true, []string{"qr", "rd", "ra", "ad"}
	out := CompareTable(c, Plain(), 100)
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "DNSSEC validated (AD)") {
			row = l
		}
	}
	if !strings.HasPrefix(row, "  DNSSEC validated (AD)") || !strings.Contains(row, "yes (AD)") || !strings.Contains(row, "no") {
		t.Errorf("AD row %q in\n%s", row, out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape sequence reached the table: %q", out)
	}
}
