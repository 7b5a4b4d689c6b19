package diagnose

import "github.com/ddxdns/ddx/trace"

var ruleServerFailure = &Rule{
	ID: "server-failure", Severity: Error,
	Title: "a server answers SERVFAIL for the zone",
	Doc: "An authoritative server says SERVFAIL when it has the zone configured but cannot serve it, most often " +
		"because the zone file failed to load or expired on a secondary.",
	Fix:  "Check the server's logs for the zone (syntax errors, failed transfers, expired secondary) and reload it.",
	Refs: []string{"RFC 1035 §4.1.1", "RFC 2308 §7.1"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				for _, q := range s.Queries {
					if q.Class != trace.ClassServFail || q.Purpose == trace.PurposeRecursion {
						continue
					}
					if typeFails(s, q.Type) {
						continue // the zone loaded; one type fails: query-type-failure
					}
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " answers SERVFAIL for " + v.zone,
						Explanation: period(said(s, q)) + " An authoritative server says SERVFAIL when it has the zone configured but cannot serve it, most often because the zone file failed to load or expired on a secondary.",
					})
					break
				}
			}
		}
	},
}
