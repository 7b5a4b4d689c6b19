package diagnose

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

var ruleSOATimers = &Rule{
	ID: "soa-timers", Severity: Notice,
	Title: "SOA timers out of the usual ranges",
	Doc: "The SOA's refresh is under an hour, retry is not shorter than refresh, expire is under a week (or under " +
		"refresh), or the minimum (the negative caching TTL) is outside 300 s to a day. Secondaries poll too often " +
		"or give up too soon, and negative answers are cached too briefly or far too long.",
	Fix:  "Use values like refresh 1-24 h, retry a fraction of refresh, expire 2-4 weeks, minimum 5 min to 1 day.",
	Refs: []string{"RFC 1912 §2.2", "RFC 2308 §5", "RFC 1537 §3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			if v.zone == "." {
				continue
			}
			var soa *dns.SOA
			var who string
			for _, s := range v.servers {
				if soa = apexSOA(s, v.zone); soa != nil {
					who = s.Label()
					break
				}
			}
			if soa == nil {
				continue
			}
			if bad := soaTimerProblems(soa); len(bad) > 0 {
				p.Report(Finding{
					Zone: v.zone, Servers: []string{who},
					Summary:     "SOA timers of " + v.zone + " are out of the usual ranges",
					Explanation: "The SOA served by " + who + " has: " + strings.Join(bad, "; ") + ". Secondaries poll too often or give up too soon, and negative answers are cached too briefly or far too long.",
				})
			}
		}
	},
}

func soaTimerProblems(soa *dns.SOA) []string {
	var bad []string
	if soa.Refresh < 3600 {
		bad = append(bad, fmt.Sprintf("refresh %d s is under an hour", soa.Refresh))
	}
	if soa.Retry >= soa.Refresh {
		bad = append(bad, fmt.Sprintf("retry %d s is not shorter than refresh %d s", soa.Retry, soa.Refresh))
	}
	if soa.Expire < 7*86400 || soa.Expire < soa.Refresh {
		bad = append(bad, fmt.Sprintf("expire %d s is under a week", soa.Expire))
	}
	if soa.Minttl < 300 || soa.Minttl > 86400 {
		bad = append(bad, fmt.Sprintf("minimum (negative caching TTL) %d s is outside 300 s to 1 day", soa.Minttl))
	}
	return bad
}
