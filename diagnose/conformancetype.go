package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleQueryTypeFailure = &Rule{
	ID: "query-type-failure", Severity: Error,
	Title: "a server fails queries of some types",
	Doc: "The server answers the zone's SOA but drops, refuses or fails queries of other types for the apex (AAAA " +
		"and MX most often: RFC 4074 lists the ways old servers and load balancers mishandle AAAA). Lookups of that " +
		"type time out or fail through this server while it looks healthy for the rest, so mail or IPv6 breaks for " +
		"some users only. ddx check asks every address the apex NS, MX, A, AAAA and TXT; a type that fails is asked " +
		"again over UDP and over TCP, and only a type that fails every time over UDP is reported (an error when it " +
		"fails with an error rcode or over TCP too, a warning when only UDP is silent): a lost packet is not this " +
		"finding (Zonemaster ZONE09, NAMESERVER05).",
	Fix:  "Make the server answer every type for the names it serves (NOERROR with no records when there are none); update it or the load balancer or firewall in front of it.",
	Refs: []string{"RFC 4074 §3", "RFC 1034 §4.3.2", "RFC 2308 §2.2"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				soa := first(s, trace.PurposeSOA)
				if soa == nil || !soa.OK() || soa.Reply.Rcode != dns.RcodeSuccess {
					continue // the server fails the SOA too: other findings say so
				}
				var failed, evidence []string
				var ids []int
				sev := Warning
				for _, qtype := range trace.ConformanceTypes {
					qs := typeProbes(s, dns.TypeToString[qtype])
					why, severe, ok := typeFailure(qs)
					if !ok {
						continue
					}
					failed = append(failed, dns.TypeToString[qtype])
					evidence = append(evidence, why)
					for _, q := range qs {
						ids = append(ids, q.ID)
					}
					if severe {
						sev = Error
					}
				}
				if len(failed) == 0 {
					continue
				}
				p.ReportAt(sev, Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: ids,
					Summary: fmt.Sprintf("%s fails %s queries for %s", s.Label(), list(failed), v.zone),
					Explanation: fmt.Sprintf("%s answers the SOA of %s (%s, query %d), but %s Lookups of %s through this server time out or fail while it looks healthy for the rest, so some users cannot reach what those records point to (Zonemaster ZONE09, NAMESERVER05; RFC 4074).",
						s.Label(), v.zone, soa.Rcode, soa.ID, strings.Join(evidence, " "), list(failed)),
				})
			}
		}
	},
}

// typeFails reports whether query-type-failure blames qtype at s: the
// server answers the zone's SOA, and the type fails every time asked.
func typeFails(s *trace.Server, qtype string) bool {
	soa := first(s, trace.PurposeSOA)
	if soa == nil || !soa.OK() || soa.Reply.Rcode != dns.RcodeSuccess {
		return false
	}
	_, _, ok := typeFailure(typeProbes(s, qtype))
	return ok
}

// typeProbes are a server's type probes of one type, in the order sent.
func typeProbes(s *trace.Server, qtype string) []*trace.Query {
	var out []*trace.Query
	for _, q := range queries(s, trace.PurposeType) {
		if q.Type == qtype {
			out = append(out, q)
		}
	}
	return out
}

// typeFailure says how a type failed at a server: it failed when asked
// and again when asked over UDP. It is an error (severe) when it also
// failed over TCP or failed with an rcode; a UDP-only silence, with TCP
// answering, is a warning. ok is false when the type did not fail every
// time over UDP.
func typeFailure(qs []*trace.Query) (why string, severe, ok bool) {
	if len(qs) < 3 {
		return "", false, false // answered, or not asked again
	}
	var parts []string
	tcpFailed, rcodes := false, false
	for _, q := range qs {
		for _, a := range q.Attempts {
			if a.TC {
				return "", false, false // too large for UDP: tcp-failure's evidence
			}
		}
		if !trace.TypeFailed(q) {
			if q.Transport == "udp" {
				return "", false, false
			}
		} else if q.Transport == "tcp" {
			tcpFailed = true
		} else if q.OK() {
			rcodes = true // an error rcode over UDP fails every resolver, whatever TCP does
		}
		parts = append(parts, fmt.Sprintf("%s over %s (query %d)", typeGot(q), strings.ToUpper(q.Transport), q.ID))
	}
	why = fmt.Sprintf("asked %s %s %d times it gave %s.", qs[0].Name, qs[0].Type, len(qs), list(parts))
	if !tcpFailed {
		why += " Resolvers ask over UDP and do not turn to TCP after a timeout or an error, so the TCP answer does not help them."
	}
	return why, tcpFailed || rcodes, true
}

// typeGot is what a query got, in a few words.
func typeGot(q *trace.Query) string {
	if !q.OK() {
		switch q.ErrorKind {
		case trace.ErrKindTimeout:
			return "no reply"
		}
		return "no valid reply (" + trace.Sanitize(q.Error) + ")"
	}
	return q.Rcode
}
