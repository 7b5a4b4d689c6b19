package ui

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// TestOutcomeAnswersTheQuestion: the header gives the records, or what
// went wrong in plain words; each branch of DEPENDS is a whole line at 80
// columns.
func TestOutcomeAnswersTheQuestion(t *testing.T) {
	for _, c := range []struct {
		name  string
		qtype uint16
		want  []string // whole lines of the header
		not   []string
	}{
		{"www.lame.test.", dns.TypeA, []string{"Outcome: NOERROR  A 192.0.2.33"}, nil},
		{"10.2.0.192.in-addr.arpa.", dns.TypePTR, []string{"Outcome: NOERROR  PTR ns1.healthy.test."}, nil},
		{"cdn.healthy.test.", dns.TypeA, []string{"Outcome: NOERROR  CNAME edge.cdn.example. → A 192.0.2.88"}, nil},
		{"gone.lab.", dns.TypeA, []string{
			"Outcome: DEPENDS  the answer depends on which servers a resolver asks:",
			"  NXDOMAIN  ns1.nic.lab. and ns2.nic.lab. say gone.lab. does not exist",
			"  SERVFAIL  both servers of gone.lab. timed out (delegated by ns3.nic.lab.)",
		}, []string{"timeout from"}},
		{"www.dead.test.", dns.TypeA, []string{"Outcome: SERVFAIL  both servers of dead.test. timed out (delegated by test.)"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, c.name, 80, 24)
			m.qtype = c.qtype
			m = send(t, m, m.Init()())
			lines := m.headerLines()
			for _, w := range c.want {
				if !containsString(lines, w) {
					t.Errorf("header lacks the line %q:\n%s", w, strings.Join(lines, "\n"))
				}
			}
			for _, l := range lines {
				if ansi.StringWidth(l) > 80 || strings.HasSuffix(l, "…") {
					t.Errorf("header line cut or too wide: %q", l)
				}
				for _, n := range c.not {
					if strings.Contains(l, n) {
						t.Errorf("header says %q: %q", n, l)
					}
				}
			}
		})
	}
}

// TestOutcomeIncomplete: a budget that ran out is not an outage: its own
// words and style, not SERVFAIL's.
func TestOutcomeIncomplete(t *testing.T) {
	u := demotest.Universe(t)
	cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50e6, Now: fixedNow, Budget: trace.Budget{Queries: 20}}
	tr, err := trace.Run(context.Background(), cfg, "www.deep.test.", dns.TypeA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Outcome.Rcode != trace.RcodeIncomplete {
		t.Fatalf("outcome %s, want INCOMPLETE", tr.Outcome.Rcode)
	}
	head, _ := outcomeLines(diagnose.New(tr).Trace)
	if !strings.HasPrefix(head, "INCOMPLETE  ddx stopped before every path ended (no more than 20 queries") {
		t.Errorf("headline %q", head)
	}
	st := NewStyles(io.Discard, ColorAlways)
	if st.ForOutcome(trace.RcodeIncomplete).Render("x") == st.ForOutcome(trace.RcodeServFail).Render("x") {
		t.Errorf("INCOMPLETE styled as SERVFAIL")
	}
}
