package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
)

var ruleEDNSNoncompliance = &Rule{
	ID: "edns-noncompliance", Severity: Warning,
	Title: "a server mishandles EDNS",
	Doc: "The server answers FORMERR, NOTIMP or nothing to a query with EDNS but answers the same query without " +
		"EDNS, or answers an EDNS query without an OPT record. Modern resolvers no longer retry without EDNS (the 2019 " +
		"DNS flag day), so to them the server looks dead. A single lost packet is not this finding: ddx asks with " +
		"EDNS once more before it calls a server EDNS-broken.",
	Fix:  "Upgrade the server software or fix the middlebox in front of it.",
	Refs: []string{"RFC 6891 §7", "RFC 6891 §6.2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				for _, q := range s.Queries {
					why := ednsProblem(q)
					if why == "" {
						continue
					}
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " mishandles EDNS",
						Explanation: why + " Modern resolvers no longer retry without EDNS (the 2019 DNS flag day), so to them this server looks dead.",
					})
					break
				}
			}
		}
	},
}

func ednsProblem(q *trace.Query) string {
	for i, a := range q.Attempts {
		if !a.EDNS || i+1 >= len(q.Attempts) {
			continue
		}
		next := q.Attempts[i+1]
		if (a.Rcode == "FORMERR" || a.Rcode == "NOTIMP") && !next.EDNS && next.Rcode != "" {
			return fmt.Sprintf("Asked %s %s with EDNS it answered %s; without EDNS it answered %s.", q.Name, q.Type, a.Rcode, next.Rcode)
		}
	}
	n := len(q.Attempts)
	if n >= 3 && q.Attempts[n-1].Change == "EDNS again to confirm" && q.Attempts[n-1].ErrorKind == "timeout" && q.Attempts[n-2].Rcode != "" && !q.Attempts[n-2].EDNS {
		return fmt.Sprintf("Asked %s %s with EDNS it stayed silent; without EDNS it answered, and with EDNS again it was silent.", q.Name, q.Type)
	}
	if q.OK() && !q.EDNS && n > 0 && q.Attempts[n-1].EDNS {
		return fmt.Sprintf("Asked %s %s with EDNS it answered without an OPT record.", q.Name, q.Type)
	}
	return ""
}
