package ui_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// TestTextShowsThePrimary: the text of a check shows the primary that the
// SOA names and what its lookup found (the evidence behind soa-mname).
func TestTextShowsThePrimary(t *testing.T) {
	var b strings.Builder
	if err := ui.WriteText(&b, demoReport(t, "mname.test", dns.TypeSOA, true), ui.Plain(), ui.TextOptions{NoStats: true}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "SOA primary (MNAME) primary.mname.test.") {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, "NXDOMAIN") {
		t.Errorf("no line for the primary with its NXDOMAIN:\n%s", out)
	}
}
