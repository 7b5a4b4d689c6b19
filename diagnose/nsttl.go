package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleNSTTLZero = &Rule{
	ID: "ns-ttl-zero", Severity: Warning,
	Title: "the zone's NS records have a TTL under a minute",
	Doc: "The zone serves its NS RRset with TTL 0 or a few seconds. Resolvers cannot cache the delegation, so they " +
		"go back to the parent for nearly every lookup: more latency, more load, and a zone that fails the moment " +
		"the parent is slow.",
	Fix:  "Give the NS records a TTL of hours to days (3600 to 86400 is usual).",
	Refs: []string{"RFC 1912 §2.2", "RFC 2181 §8"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			if v.zone == "." {
				continue
			}
			low := uint32(1 << 31)
			var who string
			var evidence []int
			for _, s := range v.servers {
				q := first(s, trace.PurposeNS)
				if q == nil || q.Class != trace.ClassAnswer {
					continue
				}
				for _, rr := range q.Reply.Answer {
					if rr.Header().Rrtype == dns.TypeNS && rr.Header().Ttl < low {
						low, who, evidence = rr.Header().Ttl, s.Label(), []int{q.ID}
					}
				}
			}
			if who == "" || low >= 60 {
				continue
			}
			p.Report(Finding{
				Zone: v.zone, Servers: []string{who}, Queries: evidence,
				Summary:     fmt.Sprintf("the NS records of %s have TTL %d", v.zone, low),
				Explanation: fmt.Sprintf("%s serves the zone's NS RRset with TTL %d s. Resolvers cannot cache the delegation, so they go back to the parent for nearly every lookup: more latency, more load, and a zone that fails the moment the parent is slow.", who, low),
			})
		}
	},
}
