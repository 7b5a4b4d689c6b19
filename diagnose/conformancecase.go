package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleCaseNotPreserved = &Rule{
	ID: "case-not-preserved", Severity: Warning,
	Title: "a server does not preserve the case of the query name",
	Doc: "Asked the zone's SOA with the name in mixed case (hEaLtHy.TeSt.), the server echoed the name in another " +
		"case, answered differently than to the lower-case name, or did not answer at all. Resolvers that randomise the case of the names " +
		"they ask (DNS 0x20, against spoofing) match the echoed name byte for byte and discard such replies, so " +
		"to them the server looks dead; a server that answers mixed case differently gives them wrong answers " +
		"(Zonemaster NAMESERVER08, NAMESERVER09). A mixed-case probe that gets no reply is sent again before its " +
		"silence counts.",
	Fix:  "Copy the question from the query into the reply unchanged, and compare names without regard to case (RFC 4343); update the server or the middlebox that rewrites it.",
	Refs: []string{"RFC 4343 §3", "RFC 1034 §3.1", "draft-vixie-dnsext-dns0x20"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			for _, s := range v.servers {
				q, soa := first(s, trace.PurposeCase), first(s, trace.PurposeSOA)
				if q == nil || soa == nil || !soa.OK() || soa.Reply.Rcode != dns.RcodeSuccess {
					continue
				}
				var why []string
				if !q.OK() {
					if q.ErrorKind != trace.ErrKindTimeout || !soa.EDNS {
						continue // not waited for, or a server that drops EDNS (edns-noncompliance): no evidence
					}
					// Sent again before its silence counts, as every probe.
					why = append(why, fmt.Sprintf("it stayed silent (%d tries), while it answers the lower-case name (query %d)", len(q.Attempts), soa.ID))
				} else {
					why = caseDifferences(q, soa)
				}
				if len(why) == 0 {
					continue
				}
				p.Report(Finding{
					Zone: v.zone, Servers: []string{s.Label()}, Queries: []int{q.ID, soa.ID},
					Summary: s.Label() + " does not preserve the case of the query name",
					Explanation: period(fmt.Sprintf("Asked SOA %s (query %d), %s", trace.Sanitize(q.Name), q.ID, strings.Join(why, "; "))) +
						" Resolvers that randomise the case of the names they ask (DNS 0x20) check the echoed name byte for byte and discard such a reply, so to them this server looks dead, or gives a different answer (Zonemaster NAMESERVER08/09).",
				})
			}
		}
	},
}

// caseDifferences says how the reply to the mixed-case probe q differs
// from the reply to the lower-case SOA query soa.
func caseDifferences(q, soa *trace.Query) []string {
	var why []string
	if len(q.Reply.Question) == 1 && q.Reply.Question[0].Name != q.Name {
		why = append(why, fmt.Sprintf("it echoed the name as %s", trace.Sanitize(q.Reply.Question[0].Name)))
	}
	if q.Reply.Rcode != soa.Reply.Rcode {
		why = append(why, fmt.Sprintf("it answered %s, and %s to the lower-case name (query %d)", q.Rcode, soa.Rcode, soa.ID))
	} else if a, b := answerShape(q.Reply), answerShape(soa.Reply); !slices.Equal(a, b) {
		why = append(why, fmt.Sprintf("its answer held %s, and %s for the lower-case name (query %d)", shapeWords(a), shapeWords(b), soa.ID))
	}
	return why
}

// answerShape is the owner names (lower case) and types of a reply's
// answer, sorted: what the mixed-case and lower-case replies must share.
func answerShape(m *dns.Msg) []string {
	out := []string{}
	for _, rr := range m.Answer {
		h := rr.Header()
		if h.Rrtype == dns.TypeRRSIG {
			continue
		}
		x := strings.ToLower(h.Name) + " " + dns.TypeToString[h.Rrtype]
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func shapeWords(shape []string) string {
	if len(shape) == 0 {
		return "no records"
	}
	return list(shape)
}
