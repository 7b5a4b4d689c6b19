package ui_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// The DNSSEC verdict sits under the outcome: a bogus chain says what a
// validating resolver answers, a secure one says so, and an unsigned zone
// adds nothing.
func TestTextSaysTheDNSSECVerdict(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, want, not string }{
		{"www.dsmismatch.test", "DNSSEC: bogus", ""},
		{"www.secure.test", "DNSSEC: secure", "bogus"},
		{"www.healthy.test", "", "DNSSEC:"},
	} {
		var b bytes.Buffer
		if err := ui.WriteText(&b, demoReport(t, c.name, dns.TypeA, false), ui.Plain(), ui.TextOptions{Brief: true}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if c.want != "" && !strings.Contains(out, c.want) {
			t.Errorf("%s: no %q:\n%s", c.name, c.want, out)
		}
		if c.not != "" && strings.Contains(out, c.not) {
			t.Errorf("%s: %q:\n%s", c.name, c.not, out)
		}
		if c.name == "www.dsmismatch.test" && !strings.Contains(out, "validating resolvers: SERVFAIL") {
			t.Errorf("the bogus verdict does not say what validating resolvers answer:\n%s", out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "  validating") && len([]rune(l)) > 80 {
				t.Errorf("line over 80 columns: %q", l)
			}
		}
	}
}
