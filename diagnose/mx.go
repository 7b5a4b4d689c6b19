package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleMXToCNAME = &Rule{
	ID: "mx-to-cname", Severity: Error,
	Title: "an MX target is an alias",
	Doc: "An MX record points to a name that is a CNAME. MX (and NS, SRV) targets must be canonical names: some " +
		"mail servers refuse to deliver, others add lookups.",
	Fix:  "Point the MX record at the canonical name instead.",
	Refs: []string{"RFC 2181 §10.3", "RFC 5321 §5.1", "RFC 1912 §2.4"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			done := map[string]bool{}
			for _, s := range v.servers {
				for _, q := range queries(s, trace.PurposeMXTarget) {
					if !q.OK() || done[q.Name] {
						continue
					}
					var target string
					for _, rr := range q.Reply.Answer {
						if cn, ok := rr.(*dns.CNAME); ok && strings.EqualFold(cn.Hdr.Name, q.Name) {
							target = cn.Target
						}
					}
					if target == "" {
						continue
					}
					done[q.Name] = true
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     "the MX target " + q.Name + " is an alias",
						Explanation: fmt.Sprintf("%s has an MX record pointing to %s, which %s says is a CNAME for %s. MX (and NS, SRV) targets must be canonical names: some mail servers refuse to deliver, others add lookups.", v.zone, q.Name, s.Label(), target),
						Fix:         "Point the MX record at " + target + " (the canonical name) instead.",
					})
				}
			}
		}
	},
}

var ruleWildcardMX = &Rule{
	ID: "wildcard-mx", Severity: Notice,
	Title: "a wildcard MX covers the zone",
	Doc: "An MX query for a made-up name under the zone is answered. Every name under the zone, even a typo, appears " +
		"to accept mail, so misaddressed mail is accepted instead of bounced, and names without their own MX still get one.",
	Fix:  "Remove the wildcard MX unless it is really meant; give MX records to the names that receive mail.",
	Refs: []string{"RFC 1537 §7", "RFC 4592 §4"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				q := first(s, trace.PurposeWildcard)
				if q == nil || q.Class != trace.ClassAnswer {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
					Summary:     "a wildcard MX covers " + v.zone,
					Explanation: fmt.Sprintf("%s answered an MX query for the made-up name %s with %s. Every name under the zone, even a typo, appears to accept mail, so misaddressed mail is accepted instead of bounced, and names without their own MX still get one.", s.Label(), q.Name, strings.Join(rdata(trace.RRsOf(q.Reply.Answer)), ", ")),
				})
				break
			}
		}
	},
}
