package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var ruleEDNSNoncompliance = &Rule{
	ID: "edns-noncompliance", Severity: Warning,
	Title: "a server mishandles EDNS",
	Doc: "The server answers FORMERR, NOTIMP or nothing to a query with EDNS but answers the same query without " +
		"EDNS, or answers an EDNS query without an OPT record. Modern resolvers no longer retry without EDNS (the 2019 " +
		"DNS flag day), so to them the server looks dead. Lost packets are not this finding: ddx asks with " +
		"EDNS once more before it calls a server EDNS-broken, and a server that answers other EDNS queries is not. " +
		"ddx check also runs ISC's EDNS compliance tests on every address of the zone that answers plain EDNS well: " +
		"edns1 (EDNS version 1 must get BADVERS with version 0 and no answer, Zonemaster NAMESERVER10), ednsopt (an " +
		"unknown option, Zonemaster NAMESERVER11) and ednsflags (an unknown flag): the option and the flag must be " +
		"ignored, so the reply must be the plain one (NOERROR, the SOA, AA, an OPT record of version 0) without " +
		"the option or flag echoed back; and optlist (NSID, client subnet, EXPIRE and COOKIE in one query): the " +
		"plain reply, options of the server's own allowed, or BADCOOKIE with its cookie. A server that fails them breaks the next EDNS extensions (new versions, " +
		"cookies, padding, client subnet) for every resolver that sends them. The explanation names the failing " +
		"test; a silent probe is sent again before its silence counts.",
	Fix:  "Upgrade the server software or fix the middlebox in front of it (firewalls and load balancers that inspect DNS often drop or rewrite EDNS they do not know).",
	Refs: []string{"RFC 6891 §7", "RFC 6891 §6.2.2", "RFC 6891 §6.1.2", "RFC 6891 §6.1.3", "RFC 8906 §8"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				ednsWorks := answeredWithEDNS(s)
				reported := false
				for _, q := range s.Queries {
					if isEDNSProbe(q) || q.Purpose == trace.PurposeCase {
						continue // the compliance tests, below; the case probe is judged on its own
					}
					sev, why := ednsProblem(q)
					if q.EDNSBroken && ednsWorks {
						continue // it answers other queries with EDNS: packets were lost
					}
					if why == "" {
						continue
					}
					consequence := " Modern resolvers no longer retry without EDNS (the 2019 DNS flag day), so to them this server looks dead."
					if sev < Warning {
						consequence = " That is what RFC 6891 §7 asks of a server that does not implement EDNS, and resolvers fall back to plain DNS for it; but replies stay limited to 512 bytes over UDP, and DNSSEC cannot work through it."
					}
					p.ReportAt(sev, Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " mishandles EDNS",
						Explanation: why + consequence,
					})
					reported = true
					break
				}
				if reported {
					continue
				}
				if failed, ids := ednsCompliance(s, v.zone); len(failed) > 0 {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: ids,
						Summary: fmt.Sprintf("%s fails %d of ISC's %d EDNS compliance tests", s.Label(), len(failed), len(ednsTests)),
						Explanation: strings.Join(failed, " ") + " It answers the plain EDNS query well; but a server that mishandles EDNS versions, options or flags " +
							"breaks the next EDNS extensions (new versions, cookies, padding, client subnet) for every resolver that sends them, " +
							"and resolvers that follow the 2019 DNS flag day give up on a server that drops such queries.",
					})
				}
			}
		}
	},
}

// ednsProblem says how a query shows the server mishandling EDNS, and how
// badly. A single lost packet shows nothing: the engine asks with EDNS
// again before it marks a server EDNS-broken.
func ednsProblem(q *trace.Query) (Severity, string) {
	switch {
	case q.EDNSBroken:
		return Warning, fmt.Sprintf("Asked %s %s with EDNS it stayed silent; without EDNS it answered, and with EDNS again it was silent.", q.Name, q.Type)
	case q.EDNSUnsupported:
		return Notice, fmt.Sprintf("Asked %s %s with EDNS it answered FORMERR without an OPT record; without EDNS it answered.", q.Name, q.Type)
	}
	for i, a := range q.Attempts {
		if !a.EDNS || i+1 >= len(q.Attempts) {
			continue
		}
		next := q.Attempts[i+1]
		// Without EDNS it must answer otherwise: FORMERR both ways is a
		// query the server rejects whatever EDNS does (query-type-failure).
		if (a.Rcode == "FORMERR" || a.Rcode == "NOTIMP") && !next.EDNS && next.Rcode != "" && next.Rcode != "FORMERR" && next.Rcode != "NOTIMP" {
			return Warning, fmt.Sprintf("Asked %s %s with EDNS it answered %s; without EDNS it answered %s.", q.Name, q.Type, a.Rcode, next.Rcode)
		}
	}
	if q.OK() && !q.EDNS {
		// The reply is the last attempt answered: was it asked with EDNS?
		// (After silent EDNS tries, the reply may be to a query without.)
		for i := len(q.Attempts) - 1; i >= 0; i-- {
			if a := q.Attempts[i]; a.Rcode != "" {
				if a.EDNS {
					return Warning, fmt.Sprintf("Asked %s %s with EDNS it answered without an OPT record.", q.Name, q.Type)
				}
				break
			}
		}
	}
	return 0, ""
}

// answeredWithEDNS reports whether the server answered any query with an
// EDNS reply: a server that does cannot be dropping EDNS queries.
func answeredWithEDNS(s *trace.Server) bool {
	for _, q := range s.Queries {
		if q.OK() && q.EDNS && q.Transport == "udp" {
			return true
		}
	}
	return false
}
