package diagnose

import (
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// TestEDNSProblemReadsTheAnsweredAttempt: "answered without an OPT
// record" is said of a reply to a query with EDNS, never of the reply to
// the retry without EDNS that followed silent EDNS tries, when the
// confirming EDNS try was cut short (seen in the lab: the straggler cut
// abandoned it after 2 ms, so nothing was confirmed).
func TestEDNSProblemReadsTheAnsweredAttempt(t *testing.T) {
	answered := func(attempts ...*trace.Attempt) *trace.Query {
		return &trace.Query{Name: "noedns.test.", Type: "SOA", Rcode: "NOERROR", Class: trace.ClassAnswer, Reply: new(dns.Msg), Attempts: attempts}
	}
	unconfirmed := answered(
		&trace.Attempt{Try: 1, EDNS: true, ErrorKind: trace.ErrKindAbandoned},
		&trace.Attempt{Try: 2, Rcode: "NOERROR"},
		&trace.Attempt{Try: 3, EDNS: true, ErrorKind: trace.ErrKindAbandoned},
	)
	if sev, why := ednsProblem(unconfirmed); why != "" {
		t.Errorf("silent EDNS tries, unconfirmed: %v %q, want nothing", sev, why)
	}
	noOPT := answered(&trace.Attempt{Try: 1, EDNS: true, Rcode: "NOERROR"})
	if sev, why := ednsProblem(noOPT); sev != Warning || why == "" {
		t.Errorf("an EDNS query answered without OPT: %v %q, want a warning", sev, why)
	}
}
