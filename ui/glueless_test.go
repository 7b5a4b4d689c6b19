package ui_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

func textOf(t *testing.T, name string, brief bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := ui.WriteText(&b, demoReport(t, name, dns.TypeA, false), ui.Plain(), ui.TextOptions{Brief: brief, NoStats: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestGluelessLookupsAreOneLine: by default each glueless name server is
// one line, its A and AAAA lookups merged; -v shows the sub-traces.
func TestGluelessLookupsAreOneLine(t *testing.T) {
	brief := textOf(t, "gone.lab", true)
	for _, want := range []string{
		"↳ ns1.gone-hosting.test. → 203.0.113.91 (via test.)\n",
		"↳ ns2.gone-hosting.test. → 192.0.2.92 (via test.)\n",
	} {
		if strings.Count(brief, want) != 1 {
			t.Errorf("brief text says %q %d times, want once:\n%s", want, strings.Count(brief, want), brief)
		}
	}
	if strings.Contains(brief, "ns1.gone-hosting.test. AAAA") || strings.Contains(brief, ". (root)  ns1.gone-hosting.test.") {
		t.Errorf("brief text walks the sub-lookups:\n%s", brief)
	}
	full := textOf(t, "gone.lab", false)
	for _, want := range []string{"↳ ns1.gone-hosting.test. → 203.0.113.91 (via test.)", "AAAA: no AAAA records", ". (root)  ns1.gone-hosting.test. A;"} {
		if !strings.Contains(full, want) {
			t.Errorf("verbose text does not say %q:\n%s", want, full)
		}
	}
}

// TestGluelessCycleOnce: a cycle of glueless servers is said once, in words.
func TestGluelessCycleOnce(t *testing.T) {
	brief, _, _ := strings.Cut(textOf(t, "www.cycle.test", true), "Outcome:")
	want := "↳ ns.cycle.example. → no address: a cycle: finding its address needs cycle.test. itself"
	if strings.Count(brief, want) != 1 || strings.Count(brief, "cycle:") != 1 {
		t.Errorf("the cycle is not said exactly once:\n%s", brief)
	}
	if got := textOf(t, "www.unres.test", true); !strings.Contains(got, "↳ ns2.nowhere.example. → no address: the name does not exist") {
		t.Errorf("A and AAAA failures not merged:\n%s", got)
	}
}

// TestGluelessReuseIsSaid: a lookup made once and used again says so,
// instead of walking from the root a second time.
func TestGluelessReuseIsSaid(t *testing.T) {
	full := textOf(t, "www.deep.test", false)
	if !strings.Contains(full, "↳ ns.deep2.test. → 192.0.2.151 (via deep2.test.), looked up earlier in this run") {
		t.Errorf("the reused lookup does not say so:\n%s", full)
	}
	if n := strings.Count(full, "deep2.test.  ns.deep2.test. A;"); n != 1 {
		t.Errorf("the lookup of ns.deep2.test. A is walked %d times, want once:\n%s", n, full)
	}
}

// TestGoneLabTextFits: the story of gone.lab in 40 lines; -v has the
// whole evidence.
func TestGoneLabTextFits(t *testing.T) {
	brief := textOf(t, "gone.lab", true)
	if n := strings.Count(brief, "\n"); n > 40 {
		t.Errorf("gone.lab is %d lines, want at most 40:\n%s", n, brief)
	}
	for _, want := range []string{
		"  NXDOMAIN  ns1.nic.lab. and ns2.nic.lab. say gone.lab. does not exist",
		"  SERVFAIL  both servers of gone.lab. timed out (delegated by ns3.nic.lab.)",
		"CRITICAL zone-unreachable gone.lab.",
		"Fix: Bring at least one listed server back",
		"ns1.gone-hosting.test. 203.0.113.91   ⏱ no reply",
		"∅ NXDOMAIN",
	} {
		if !strings.Contains(brief, want) {
			t.Errorf("brief text lacks %q:\n%s", want, brief)
		}
	}
	if strings.Contains(brief, "✓ NXDOMAIN") {
		t.Errorf("NXDOMAIN shown as ok:\n%s", brief)
	}
	full := textOf(t, "gone.lab", false)
	if !strings.Contains(full, "A resolver\n      that asks the first group") && !strings.Contains(full, "that asks the first group") {
		t.Errorf("-v does not explain the findings:\n%s", full)
	}
}

// TestSameWrongAnswerOnce: a server that refuses every question is one
// line in the brief text, every query with -v.
func TestSameWrongAnswerOnce(t *testing.T) {
	brief := textOf(t, "www.lame.test", true)
	if !strings.Contains(brief, "ns2.lame.test. 192.0.2.31     ⊘ REFUSED (all ") || strings.Contains(brief, "address ns1.lame.test. A  ⊘ REFUSED") {
		t.Errorf("the lame server is not one line:\n%s", brief)
	}
	if full := textOf(t, "www.lame.test", false); !strings.Contains(full, "address ns1.lame.test. A  ⊘ REFUSED") {
		t.Errorf("-v does not list every query:\n%s", full)
	}
}
