package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// ResolverVerdict is what a validating resolver makes of the answer a
// finished trace found, judged by ddx's own validation: secure (it sets
// AD), or bogus, with the extended DNS error (RFC 8914) of the SERVFAIL it
// answers instead, naming the finding that breaks the chain; neither when
// the answer is insecure or indeterminate. The demo's validating
// resolvers (sim.Validator) judge with it.
func ResolverVerdict(t *trace.Trace) (secure bool, bogus *dns.EDNS0_EDE) {
	rep := New(t)
	switch rep.Security {
	case Secure:
		return true, nil
	case Bogus:
	default:
		return false, nil
	}
	e := &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeDNSBogus, ExtraText: "DNSSEC bogus"}
	// The same cause as the outcome's: the first finding that breaks the chain.
	for _, f := range rep.Findings {
		code, ok := ede[f.ID]
		if !ok || f.Severity < Critical {
			continue
		}
		if _, err := fmt.Sscanf(code, "%d", &e.InfoCode); err != nil {
			e.InfoCode = dns.ExtendedErrorCodeDNSBogus
		}
		e.ExtraText = f.ID + " in " + f.Zone + ": " + strings.TrimPrefix(f.Summary, f.Zone+": ")
		break
	}
	return false, e
}
