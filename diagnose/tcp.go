package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
)

var ruleTCPFailure = &Rule{
	ID: "tcp-failure", Severity: Error,
	Title: "a server fails over TCP",
	Doc: "A truncated (TC=1) UDP answer could not be completed over TCP, or the server answers over UDP but not over " +
		"TCP at all. Every answer too large for UDP (big TXT or DNSKEY sets, many records) fails through this server, " +
		"and resolvers that prefer TCP cannot use it.",
	Fix:  "Allow DNS over TCP port 53 to the server (firewalls, load balancers) and make the server listen on TCP.",
	Refs: []string{"RFC 7766 §5", "RFC 1123 §6.1.3.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				fix := "Allow DNS over TCP port 53 to " + s.Address + " (firewalls, load balancers) and make the server listen on TCP."
				if q := first(s, trace.PurposeTCP); q != nil && !q.OK() && q.ErrorKind != trace.ErrKindAbandoned && udpWorks(s) {
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " does not answer over TCP",
						Explanation: fmt.Sprintf("%s answers over UDP, but asked SOA %s over TCP it failed: %s. Every answer too large for UDP (big TXT or DNSKEY sets, many records) fails through this server, and resolvers that prefer TCP cannot use it.", s.Label(), v.zone, trace.Sanitize(q.Error)),
						Fix:         fix,
					})
					continue
				}
				for _, q := range s.Queries {
					if q.ErrorKind != trace.ErrKindTCP || q.Purpose == trace.PurposeTCP || q.Purpose == trace.PurposeAXFR {
						continue
					}
					p.Report(Finding{
						Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID},
						Summary:     s.Label() + " truncates over UDP and fails over TCP",
						Explanation: fmt.Sprintf("The answer to %s %s did not fit in UDP (TC=1), and the retry over TCP failed: %s. Large answers (big TXT or DNSKEY sets, many records) cannot be resolved through this server.", q.Name, q.Type, trace.Sanitize(q.Error)),
						Fix:         fix,
					})
					break
				}
			}
		}
	},
}

// udpWorks reports whether a server answered any query over UDP.
func udpWorks(s *trace.Server) bool {
	for _, q := range s.Queries {
		if q.OK() && q.Transport == "udp" {
			return true
		}
	}
	return false
}
