package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleNSIsCNAME = &Rule{
	ID: "ns-is-cname", Severity: Error,
	Title: "a name server's name is an alias",
	Doc: "An NS record names an alias (CNAME). NS records must name the server's canonical name: some resolvers " +
		"refuse to follow an alias there and treat the server as unreachable, and BIND refuses to load such a zone.",
	Fix:  "Put the canonical name in the NS records of the zone and of its parent.",
	Refs: []string{"RFC 2181 §10.3", "RFC 1912 §2.4"},
	Run: func(p *Pass) {
		t := p.Trace
		seen := map[string]bool{}
		// With glue, no lookup follows the alias: the zone's own answer to
		// the address query shows it.
		for _, v := range p.zones {
			for _, s := range v.servers {
				for _, q := range queries(s, trace.PurposeAddress) {
					target := aliasIn(q)
					if target == "" || seen[q.Name] {
						continue
					}
					seen[q.Name] = true
					p.Report(Finding{
						Zone: v.zone, Servers: []string{q.Name, s.Label()}, Queries: []int{q.ID},
						Summary:     fmt.Sprintf("name server %s of %s is an alias", q.Name, v.zone),
						Explanation: fmt.Sprintf("Asked %s %s, %s answered that it is a CNAME for %s. The parent's glue hides this from resolvers that use it, but NS records must name the server's canonical name: resolvers that check the zone's own data, and BIND loading the zone, refuse the alias.", q.Name, q.Type, s.Label(), target),
						Fix:         "Put the canonical name (" + target + ") in the NS records of " + v.zone + " and of its parent, with glue if it is inside the zone.",
					})
				}
			}
		}
		for _, l := range t.Lookups {
			if l.Reason != trace.ReasonNSAddr || seen[l.Name] {
				continue
			}
			for _, st := range t.Steps {
				if st.Lookup != l.ID {
					continue
				}
				for _, r := range st.Results {
					target := r.Target
					if r.Kind == trace.KindAnswer {
						target = cnameOf(resultRecords(st, r), l.Name)
					}
					if target == "" || (r.Kind != trace.KindCNAME && r.Kind != trace.KindAnswer) {
						continue
					}
					seen[l.Name] = true
					zone := ""
					if from := t.StepByID(l.FromStep); from != nil {
						zone = from.Zone
					}
					p.Report(Finding{
						Zone: zone, Servers: append([]string{l.Name}, r.Servers...), Steps: []int{st.ID},
						Summary:     fmt.Sprintf("name server %s of %s is an alias", l.Name, zone),
						Explanation: fmt.Sprintf("%s said %s is a CNAME for %s. NS records must name the server's canonical name: some resolvers refuse to follow an alias here and treat the server as unreachable, and BIND refuses to load such a zone.", list(r.Servers), l.Name, target),
						Fix:         "Put the canonical name (" + target + ") in the NS records of " + zone + " and of its parent.",
					})
				}
			}
		}
	},
}

// aliasIn is the CNAME target a reply gives for the query name, if any.
func aliasIn(q *trace.Query) string {
	if !q.OK() {
		return ""
	}
	for _, rr := range q.Reply.Answer {
		if cn, ok := rr.(*dns.CNAME); ok && strings.EqualFold(cn.Hdr.Name, q.Name) {
			return strings.ToLower(cn.Target)
		}
	}
	return ""
}
