package ui_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

// Each zone cut of the text report carries its chain of trust in one line
// (DS → DNSKEY → signatures), marked where it breaks and on which servers;
// an unsigned zone says only where the secure chain ended.
func TestChainLineAtEachZoneCut(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string // regular expressions, each matching one line
		not  []string
	}{
		{"www.secure.test", []string{
			`^  DNSSEC secure  anchor \d+ \(ED25519, SHA256\) → DNSKEY KSK \d+ ✓, ZSK \d+ → signed by \d+ \(valid for another \d+ days\)$`,
			`^      DNSSEC secure  DS \d+ \(ED25519, SHA256\) → DNSKEY KSK \d+ ✓, ZSK \d+ → signed by \d+ \(valid for another \d+ days\)$`,
		}, []string{"✗", "insecure"}},
		{"www.dsmismatch.test", []string{
			`^      DNSSEC bogus  DS \d+ \(ED25519, SHA256\) matches no key → DNSKEY KSK \d+, ZSK \d+ → .*  ✗ ds-mismatch on ns1\.dsmismatch\.test\. \([0-9a-f.:]+\), ns1\.dsmismatch\.test\. \([0-9a-f.:]+\), ns2\.dsmismatch\.test\. \([0-9a-f.:]+\)$`,
		}, nil},
		{"www.expired.test", []string{`DNSSEC bogus  DS .* \(expired \d+ (days|hours|minutes) ago\)  ✗ rrsig-expired on ns1\.expired\.test\.`}, nil},
		{"www.halfsigned.test", []string{`DNSSEC secure  DS .*✗ ds-for-unsigned-zone on ns2\.halfsigned\.test\. \([0-9a-f.:]+\); valid on ns1\.halfsigned\.test\.`}, nil},
		{"www.healthy.test", []string{`^      DNSSEC insecure  \(the parent test\. proves there is no DS for healthy\.test\.\)$`}, []string{"DS 0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := demoReport(t, c.name, dns.TypeA, false)
			var b bytes.Buffer
			if err := ui.WriteText(&b, rep, ui.Plain(), ui.TextOptions{NoStats: true}); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !regexp.MustCompile(`(?m)` + w).Match(b.Bytes()) {
					t.Errorf("no line matches %s:\n%s", w, b.String())
				}
			}
			for _, n := range c.not {
				for _, line := range strings.Split(b.String(), "\n") {
					if strings.Contains(line, "DNSSEC ") && strings.Contains(line, n) {
						t.Errorf("chain line says %q: %s", n, line)
					}
				}
			}
		})
	}
}
