package diagnose

import "github.com/ddxdns/ddx/trace"

var ruleUpwardReferral = &Rule{
	ID: "upward-referral", Severity: Error,
	Title: "a server of the zone refers resolvers upward",
	Doc: "A server listed for the zone answers with a referral to the zone itself or to an ancestor (often the root) " +
		"instead of answering. It does not serve the zone: resolvers treat it as lame and retry elsewhere, which costs " +
		"time; if every server does it, the zone fails.",
	Fix:  "Configure the server to serve the zone, or remove it from the zone's NS set and the delegation.",
	Refs: []string{"RFC 4697 §2.4"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				// The zone's SOA is the clearest evidence; else the first
				// question the server referred upward.
				qs := append(queries(s, trace.PurposeSOA), s.Queries...)
				for _, q := range qs {
					if q.Class != trace.ClassUpward {
						continue
					}
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " refers queries for " + v.zone + " upward",
						Explanation: period(said(s, q)) + " A server listed for " + v.zone + " should answer for it; sending resolvers back up the tree (often to the root) is a sign it does not serve the zone at all. Resolvers treat it as lame and retry elsewhere, which costs time; if every server does it, the zone fails.",
						Fix:         "Configure " + s.Name + " to serve " + v.zone + ", or remove it from the zone's NS set and the delegation.",
					})
					break
				}
			}
		}
	},
}
