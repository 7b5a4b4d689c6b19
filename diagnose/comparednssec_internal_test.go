package diagnose

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
)

// TestEDEAgreementBounded: a resolver's reply can carry thousands of
// extended errors; the explanation names a few, each once, and counts
// the rest.
func TestEDEAgreementBounded(t *testing.T) {
	r := &trace.ResolverReply{Address: "192.0.2.53"}
	for i := range 5000 {
		code := uint16(100 + i%2000)
		r.EDE = append(r.EDE, trace.EDE{Code: code, Name: "code"})
	}
	got := edeAgreement([]*trace.ResolverReply{r}, "ds-mismatch")
	if len(got) > 300 {
		t.Errorf("explanation of %d bytes: %.300s...", len(got), got)
	}
	if !strings.Contains(got, "100 (code), 101 (code), 102 (code), 1997 more") {
		t.Errorf("got %.300q", got)
	}
	r.EDE = []trace.EDE{{Code: 9, Name: "DNSKEY Missing"}, {Code: 9, Name: "DNSKEY Missing"}}
	if got := edeAgreement([]*trace.ResolverReply{r}, "ds-mismatch"); !strings.Contains(got, "it reported Extended DNS Error 9 (DNSKEY Missing), the one ds-mismatch causes") {
		t.Errorf("got %q", got)
	}
}
