package diagnose

import (
	"strings"
	"testing"
)

func TestDNSSECSplitCause(t *testing.T) {
	bogus := &Report{Security: Bogus, Findings: []Finding{
		{ID: "server-timeout", Severity: Warning, Zone: "x.test."},
		{ID: "ds-mismatch", Severity: Critical, Zone: "x.test.", Summary: "x.test.: the parent's DS records match no DNSKEY the zone serves"},
	}}
	if s := dnssecSplitCause(bogus, "192.0.2.53"); !strings.Contains(s, "192.0.2.53 failed because it validates DNSSEC") || !strings.Contains(s, "see ds-mismatch in x.test.") {
		t.Errorf("bogus: %q", s)
	}
	partial := &Report{Security: Secure, Findings: []Finding{{ID: "dnssec-inconsistent", Severity: Error, Zone: "x.test.", Summary: "s"}}}
	if s := dnssecSplitCause(partial, "r"); !strings.Contains(s, "see dnssec-inconsistent in x.test.") {
		t.Errorf("inconsistent: %q", s)
	}
	if s := dnssecSplitCause(&Report{Security: Insecure, Findings: []Finding{{ID: "lame-delegation", Severity: Error}}}, "r"); s != "" {
		t.Errorf("not DNSSEC: %q", s)
	}
}
