package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/ddxdns/ddx/diagnose"
)

// chainView drives the explorer to a zone's step and opens the chain of
// trust with d; it returns the detail text and the screen.
func chainView(t *testing.T, name, zone string) (string, string) {
	t.Helper()
	m := finished(t, name, 140, 60)
	if !strings.Contains(m.View(), "d dnssec") {
		t.Errorf("the help line does not offer d:\n%s", m.View())
	}
	// Select the zone's step in the tree: / filters, then move onto it.
	for i := 0; i < 200 && nodeZone(m.tree.Selected()) != zone; i++ {
		m = keys(t, m, "j")
	}
	if nodeZone(m.tree.Selected()) != zone {
		t.Fatalf("no node of %s in the tree", zone)
	}
	m = keys(t, m, "d")
	return m.detail.Text(), ansi.Strip(m.View())
}

// A bogus zone's chain shows the DS, the keys it fails to match, what
// signs what, and the break on each server; a secure zone's is clean.
func TestChainOfTrustView(t *testing.T) {
	text, screen := chainView(t, "www.dsmismatch.test.", "dsmismatch.test.")
	for _, w := range []string{
		"Chain of trust of dsmismatch.test.: bogus",
		". (root)  secure (trust anchor)\n└─ test.  secure\n  └─ dsmismatch.test.  bogus  ✗ ds-mismatch on ns1.dsmismatch.test. (192.0.2.182), ns1.dsmismatch.test. (2001:db8::182), ns2.dsmismatch.test. (203.0.113.183)\n",
		"├─ DS at test.",
		"ED25519  digest SHA256  ✗ matches no DNSKEY the servers serve",
		"├─ DNSKEY",
		"signs the DNSKEY RRset, ",
		"signs www.dsmismatch.test. A, ",
		"└─ where it breaks",
		"✗ ns1.dsmismatch.test. (192.0.2.182): ds-mismatch: ",
		"✗ ns2.dsmismatch.test. (203.0.113.183): ds-mismatch: ",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("bogus chain lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "validates on") {
		t.Errorf("a bogus chain says it validates:\n%s", text)
	}
	if !strings.Contains(screen, "Chain of trust  (d: detail)") || !strings.Contains(screen, "Chain of trust of dsmismatch.test.") {
		t.Errorf("the screen does not show the chain:\n%s", screen)
	}

	text, _ = chainView(t, "www.secure.test.", "secure.test.")
	for _, w := range []string{
		"Chain of trust of secure.test.: secure",
		"└─ test.  secure\n  └─ secure.test.  secure\n",
		"✓ matches key ",
		"KSK ",
		"✓ named by a DS",
		"signs www.secure.test. A, ",
		"└─ ✓ the chain validates on ns1.secure.test. (192.0.2.180), ns1.secure.test. (2001:db8::180), ns2.secure.test. (203.0.113.181)",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("secure chain lacks %q:\n%s", w, text)
		}
	}
	for _, bad := range []string{symError, "where it breaks"} {
		if strings.Contains(text, bad) {
			t.Errorf("a secure chain shows %q:\n%s", bad, text)
		}
	}
}

// d again goes back to the detail; an unsigned zone says so; --no-dnssec
// and a trace still running draw nothing.
func TestChainOfTrustViewToggleAndUnsigned(t *testing.T) {
	text, _ := chainView(t, "www.healthy.test.", "healthy.test.")
	if !strings.Contains(text, "healthy.test.  insecure") || !strings.Contains(text, "no DS at the parent and no DNSKEY: the zone is not signed") {
		t.Errorf("unsigned zone:\n%s", text)
	}
	m := finished(t, "www.healthy.test.", 140, 40)
	m = keys(t, m, "d", "d")
	if m.showChain || strings.Contains(m.detail.Text(), "Chain of trust") {
		t.Errorf("d d did not go back to the detail:\n%s", m.detail.Text())
	}
	if s := chainTree(nil, "x."); !strings.Contains(s, "when the trace has finished") {
		t.Errorf("while running: %q", s)
	}
	rep := m.Report()
	saved := *rep.Trace
	saved.Config.DNSSEC = nil
	if s := chainTree(&diagnose.Report{Trace: &saved}, "x."); !strings.Contains(s, "--no-dnssec") {
		t.Errorf("--no-dnssec: %q", s)
	}
}

// A wrapped line of a tree continues under its branch, not at the margin.
func TestWrapKeepsTheTree(t *testing.T) {
	got := wrapLines("│  └─ DS 775 matches no DNSKEY the servers serve", 24)
	want := "│  └─ DS 775 matches no\n│     DNSKEY the servers\n│     serve"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A zone can publish any number of DS records, keys and signatures, and
// break on any number of servers: the chain line names three of each and
// the chain view eight, and both count the rest.
func TestChainOfTrustBounded(t *testing.T) {
	l := diagnose.ChainLink{Zone: "many.test.", Parent: "test.", State: diagnose.Bogus, Time: 1e9}
	for i := range 200 {
		l.DS = append(l.DS, diagnose.ChainDS{KeyTag: uint16(i), Algorithm: 15, DigestType: 2})
		l.Keys = append(l.Keys, diagnose.ChainKey{KeyTag: uint16(i), Algorithm: 15, Servers: []string{"ns1.many.test. (192.0.2.1)"}})
		l.Sigs = append(l.Sigs, diagnose.ChainSig{KeyTag: uint16(i), Algorithm: 15, Inception: 1e9 - 100, Expiration: 1e9 + 1e6})
		l.Breaks = append(l.Breaks, diagnose.ChainBreak{Server: fmt.Sprintf("ns%d.many.test. (192.0.2.%d)", i, i), ID: "ds-mismatch", Detail: "no key matches"})
	}
	line, mark := chainLine(l)
	if n := len(line) + len(mark); n > 600 || strings.Count(line, "and 197 more") != 3 || !strings.Contains(mark, "and 197 more") {
		t.Errorf("chain line of %d bytes: %.600s  %.300s", n, line, mark)
	}
	rep := finished(t, "www.secure.test", 140, 60).report
	rep.Chain = []diagnose.ChainLink{l}
	tree := chainTree(rep, "many.test.")
	if n := strings.Count(tree, "\n"); n > 60 || !strings.Contains(tree, "and 192 more") {
		t.Errorf("chain view of %d lines:\n%s", n, tree)
	}
}
