package diagnose

import "fmt"

var ruleTooFewNS = &Rule{
	ID: "too-few-ns", Severity: Warning,
	Title: "fewer than two name servers",
	Doc: "The parent or the zone lists fewer than two name server names. With a single " +
		"server, one outage or one network problem makes the whole zone unresolvable.",
	Fix:  "Add at least one more name server, on a different network, to the zone and to the delegation.",
	Refs: []string{"RFC 1034 §4.1", "RFC 2182 §5"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			st := referralStep(v)
			if v.zone == "." || st == nil {
				continue
			}
			parent := hostNames(st.Delegation.NS)
			child := union(childNS(v))
			// Names only: several names on one address are ns-shared-address.
			if len(parent) < 2 || (len(child) > 0 && len(child) < 2) {
				p.Report(Finding{
					Zone: v.zone, Steps: []int{st.ID},
					Summary:     fmt.Sprintf("%s has fewer than two name servers", v.zone),
					Explanation: fmt.Sprintf("The parent lists %s and the zone lists %s. With a single server, one outage or one network problem makes the whole zone unresolvable.", list(parent), list(child)),
				})
			}
		}
	},
}

var ruleTooManyNS = &Rule{
	ID: "too-many-ns", Severity: Notice,
	Title: "more than seven name servers",
	Doc: "The parent or the zone lists more than seven name server names. More servers rarely add resilience once " +
		"they share networks or operators, and every one of them must be kept in sync.",
	Fix:  "Keep the NS set to the servers that add real diversity (networks, operators); two to seven is usual.",
	Refs: []string{"RFC 2182 §5"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			st := referralStep(v)
			if v.zone == "." || st == nil {
				continue
			}
			parent, child := hostNames(st.Delegation.NS), union(childNS(v))
			// A trimmed referral keeps the first names; Omitted counts the rest.
			n := max(len(parent)+st.Delegation.Omitted, len(child))
			if n <= 7 {
				continue
			}
			p.Report(Finding{
				Zone: v.zone, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("%s has %d name servers", v.zone, n),
				Explanation: fmt.Sprintf("The parent lists %d name servers and the zone %d (%s). More than seven rarely add resilience, and every one must be kept serving the same data.", len(parent)+st.Delegation.Omitted, len(child), list(union(map[string][]string{"p": parent, "c": child}))),
			})
		}
	},
}
