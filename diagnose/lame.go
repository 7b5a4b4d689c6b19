package diagnose

import "github.com/ddxdns/ddx/trace"

var ruleLameDelegation = &Rule{
	ID: "lame-delegation", Severity: Error,
	Title: "a listed server does not serve the zone",
	Doc: "A server is listed for the zone but does not serve it authoritatively: it answers REFUSED, answers without " +
		"the AA bit, refers elsewhere, or answers the zone's SOA query with authority but without an SOA. Resolvers that pick it get nothing useful, retry elsewhere (slower lookups) " +
		"and mark it lame; if every server is like this, the zone fails. A server can be lame for one zone and fine " +
		"for another.",
	Fix:  "Configure the server to serve the zone (check the zone statement and that the zone loads), or remove it from the NS set and the delegation.",
	Refs: []string{"RFC 1713 §2.3", "RFC 4697 §2.3", "RFC 1912 §2.8"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				q := first(s, trace.PurposeSOA)
				if q == nil || !q.OK() || isRecursive(q) {
					continue // silent servers are server-timeout, recursive ones recursive-nameserver
				}
				switch q.Class {
				case trace.ClassRefused, trace.ClassLame, trace.ClassReferral:
				case trace.ClassNoData, trace.ClassNXDomain:
					// With authority, yet no SOA at the apex: the server
					// has a zone of that name that is broken, or a parent's.
				default:
					continue // an upward referral is upward-referral
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
					Summary:     s.Label() + " is lame for " + v.zone,
					Explanation: period(said(s, q)) + " It is listed as a name server of " + v.zone + " but does not serve the zone authoritatively. Resolvers that pick it get nothing useful, retry elsewhere (slower lookups) and mark it lame; if every server is like this, the zone fails.",
					Fix:         "Configure " + s.Name + " to serve " + v.zone + " (check the zone statement and that the zone loads), or remove it from the NS set and the delegation.",
				})
			}
		}
	},
}

func isRecursive(q *trace.Query) bool {
	return q.OK() && q.Reply.RecursionAvailable && !q.Reply.Authoritative
}
