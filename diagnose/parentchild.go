package diagnose

import (
	"fmt"
	"sort"
	"strings"
)

var ruleNSParentChildMismatch = &Rule{
	ID: "ns-parent-child-mismatch", Severity: Error,
	Title: "the parent and the zone list different name servers",
	Doc: "The NS set in the parent's referral differs from the NS set the zone's own servers publish. Names only at " +
		"the parent are often lame or forgotten; names only in the zone are invisible until a resolver's first " +
		"answer, then replace the parent's set (RFC 2181 §5.4.1), so answers change once caches are warm.",
	Fix:  "Make the NS records in the zone and the delegation at the registrar the same set.",
	Refs: []string{"RFC 1034 §4.2.2", "RFC 2181 §5.4.1", "RFC 1713 §2.3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			st := referralStep(v)
			if st == nil {
				continue
			}
			parent := hostNames(st.Delegation.NS)
			child := union(childNS(v))
			if len(child) == 0 {
				continue
			}
			onlyParent, onlyChild := minus(parent, child), minus(child, parent)
			if len(onlyParent) == 0 && len(onlyChild) == 0 {
				continue
			}
			p.Report(Finding{
				Zone: v.zone, Servers: append(onlyParent, onlyChild...), Steps: []int{st.ID},
				Summary: fmt.Sprintf("the parent and the zone list different name servers for %s", v.zone),
				Explanation: fmt.Sprintf("%s delegated %s to %s, but the zone's own servers publish %s. Only at the parent: %s (such servers are often lame or forgotten). Only in the zone: %s (invisible until a resolver's first answer, then they replace the parent's set, RFC 2181 §5.4.1), so answers change once caches are warm.",
					list(st.Delegation.From), v.zone, list(parent), list(child), list(onlyParent), list(onlyChild)),
			})
		}
	},
}

var ruleNSSetInconsistent = &Rule{
	ID: "ns-set-inconsistent", Severity: Notice,
	Title: "the zone's servers publish different NS sets",
	Doc: "The zone's own servers answer the apex NS query with different sets. Which set a resolver caches depends " +
		"on which server it asked.",
	Fix:  "Make every server serve the same zone (check transfers and serials).",
	Refs: []string{"RFC 2181 §5"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			groups := map[string][]string{}
			for who, set := range childNS(v) {
				k := strings.Join(set, " ")
				groups[k] = append(groups[k], who)
			}
			if len(groups) < 2 {
				continue
			}
			var parts, servers []string
			keys := make([]string, 0, len(groups))
			for k := range groups {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				who := groups[k]
				sort.Strings(who)
				parts = append(parts, list(who)+" publish "+k)
				servers = append(servers, who...)
			}
			p.Report(Finding{
				Zone: v.zone, Servers: servers,
				Summary:     "the servers of " + v.zone + " publish different NS sets",
				Explanation: strings.Join(parts, "; ") + ". Which set a resolver caches depends on which server it asked.",
			})
		}
	},
}
