package ui

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
)

// demoScenarios are the demo's names (cmd/ddx/demo.go), type A unless
// said.
var demoScenarios = []string{
	"www.healthy.test.", "cdn.healthy.test.", "gone.lab.", "www.lame.test.", "www.dead.test.", "www.halfdead.test.",
	"www.mismatch.test.", "www.renumbered.test.", "www.trailing.test.", "www.edns.test.", "www.slow.test.",
	"www.upward.test.", "www.recursive.test.", "www.servfail.test.", "www.serial.test.", "www.shared.test.",
	"www.single.test.", "www.many.test.", "www.unres.test.", "www.nsalias.test.", "www.loop.test.", "www.chain.test.",
	"www.nsttl.test.", "www.timers.test.", "www.inconsistent.test.", "www.unreach.test.", "www.missingglue.test.",
	"www.deep.test.", "www.cycle.test.", "www.sub.extraglue.test.", "nosuch.test.",
	"big.tcp.test. TXT", "mxalias.test. MX", "www.wild.test. MX", "192.0.2.10",
}

// TestFirstScreenTellsTheStory: at 80x24, without a key press, the screen
// shows the outcome, the most severe finding, and the cursor on the row
// where it happened.
func TestFirstScreenTellsTheStory(t *testing.T) {
	for _, target := range demoScenarios {
		t.Run(target, func(t *testing.T) {
			name, qtype, err := ParseTarget(target)
			if err != nil {
				t.Fatal(err)
			}
			m := newTestModel(t, name, 80, 24)
			m.qtype = qtype
			m = send(t, m, m.Init()())
			v := m.View()
			if !strings.Contains(v, "Outcome: "+m.Report().Outcome.Rcode) {
				t.Errorf("no outcome on the first screen:\n%s", v)
			}
			sel := m.tree.Selected()
			if sel == nil {
				t.Fatalf("nothing selected:\n%s", v)
			}
			if !strings.Contains(v, "›") {
				t.Errorf("the cursor is off the screen:\n%s", v)
			}
			if fs := m.Report().Findings; len(fs) > 0 {
				top := fs[0]
				if !strings.Contains(v, top.ID) {
					t.Errorf("the most severe finding %s is not on the first screen:\n%s", top.ID, v)
				}
				if top.Severity >= diagnose.Warning && !sel.flagged && !sel.status.problem() && (sel.step == nil || sel.step.Zone != top.Zone) {
					t.Errorf("the cursor is on %q, not where %s happened:\n%s", sel.label, top.ID, v)
				}
			}
		})
	}
}

// TestGoneLabFirstScreen: the case of the issue, read as a user would.
func TestGoneLabFirstScreen(t *testing.T) {
	m := finished(t, "gone.lab.", 80, 24)
	v := m.View()
	for _, want := range []string{
		"  NXDOMAIN  ns1.nic.lab. and ns2.nic.lab. say gone.lab. does not exist",
		"  SERVFAIL  both servers of gone.lab. timed out (delegated by ns3.nic.lab.)",
		"⏱ ns1.gone-hosting.test. 203.0.113.91",
		"⏱ ns2.gone-hosting.test. 192.0.2.92",
		"↳ ns1.gone-hosting.test. → 203.0.113.91 (via test.)",
		"! CRITICAL zone-unreachable",
		"6 findings", // with ns-single-family: the dead servers have IPv4 addresses only
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the first screen does not show %q:\n%s", want, v)
		}
	}
	if n := m.tree.Selected(); n == nil || n.kind != nkServer || n.server.Name != "ns1.gone-hosting.test." {
		t.Errorf("cursor on %+v, want the first dead server", n)
	}
	for _, not := range []string{"✓ NXDOMAIN", "ns1.gone-hosting.test. AAAA", "timeout from"} {
		if strings.Contains(v, not) {
			t.Errorf("the first screen shows %q:\n%s", not, v)
		}
	}
}

// TestPluralsAndDots: counts agree with their nouns, and no sentence
// ends in a name's dot and a full stop.
func TestPluralsAndDots(t *testing.T) {
	for _, c := range []struct {
		n    int
		noun string
		want string
	}{{1, "finding", "1 finding"}, {2, "finding", "2 findings"}, {1, "query", "1 query"}, {3, "query", "3 queries"},
		{2, "try", "2 tries"}, {2, "address", "2 addresses"}, {1, "name server", "1 name server"}} {
		if got := count(c.n, c.noun); got != c.want {
			t.Errorf("count(%d, %q) = %q", c.n, c.noun, got)
		}
	}
	if got := prose("with the origin trailing.test.. The name"); got != "with the origin trailing.test. The name" {
		t.Errorf("prose: %q", got)
	}
	if got := prose("wait..."); got != "wait..." {
		t.Errorf("prose changed an ellipsis: %q", got)
	}
	m := finished(t, "www.lame.test.", 80, 24)
	if v := m.View(); !strings.Contains(v, "1 finding ") && !strings.HasSuffix(strings.Split(v, "\n")[22], "1 finding") {
		t.Errorf("footer does not say 1 finding:\n%s", v)
	}
}

// TestHelpFits80Columns: the help screen and its legend are whole at
// 80x24.
func TestHelpFits80Columns(t *testing.T) {
	m := keys(t, finished(t, "www.lame.test.", 80, 24), "?")
	v := m.View()
	lines := strings.Split(v, "\n")
	for _, l := range lines[:len(lines)-2] { // the footer may be cut
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
			t.Errorf("help line cut: %q", l)
		}
	}
	for _, want := range []string{"∅ no such name or no data", "! in a finding", "] ", "next problem", "y   copy", "Press any key"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
}

// TestStoryLandsOnTheCause: a glueless server that does not resolve is
// where the cursor opens; a healthy alias opens on the final answer, not
// inside a name server's lookup.
func TestStoryLandsOnTheCause(t *testing.T) {
	m := finished(t, "www.unres.test.", 80, 24)
	if n := m.tree.Selected(); n == nil || n.host == nil || n.host.Name != "ns2.nowhere.example." || !n.flagged {
		t.Errorf("www.unres.test opens on %+v, want the unresolvable name server", n)
	}
	m = finished(t, "cdn.healthy.test.", 80, 24)
	if n := m.tree.Selected(); n == nil || n.kind != nkResult || inLookup(n) || !strings.Contains(n.label, "answer") || n.step.Name != "edge.cdn.example." {
		t.Errorf("cdn.healthy.test opens on %+v, want the alias target's answer", n)
	}
}
