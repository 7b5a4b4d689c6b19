package diagnose

import (
	"fmt"

	"github.com/ddxdns/ddx/trace"
)

var ruleGluelessIndirection = &Rule{
	ID: "glueless-indirection", Severity: Warning,
	Title: "the zone's servers are found only through other glueless zones",
	Doc: "Reaching the zone's servers needs other zones' servers first, more than one level deep (warning), or in a " +
		"cycle (error). Each level costs a full resolution; resolvers limit the depth (BIND and Unbound after " +
		"NXNSAttack), so some give up with SERVFAIL, especially with a cold cache. A cycle never resolves.",
	Fix:  "Use name servers whose names are in zones with glue, or in-bailiwick names with glue at the parent.",
	Refs: []string{"RFC 1034 §4.2.1", "RFC 9471", "NXNSAttack (USENIX Security 2020)"},
	Run: func(p *Pass) {
		t := p.Trace
		seen := map[string]bool{}
		for _, st := range t.Steps {
			for _, h := range st.Delegation.NS {
				// An in-zone name without glue is missing-glue.
				if h.Failure != trace.NSFailCycle || inBailiwickNoGlue(st, h) || seen[st.Zone] {
					continue
				}
				seen[st.Zone] = true
				p.ReportAt(Error, Finding{
					Zone: st.Zone, Servers: []string{h.Name}, Steps: []int{st.ID},
					Summary:     fmt.Sprintf("the servers of %s can only be found through a cycle", st.Zone),
					Explanation: fmt.Sprintf("To reach %s a resolver must resolve %s, and resolving that needs %s again (%s). No resolver can break the cycle without glue, so the zone does not resolve.", st.Zone, h.Name, st.Zone, trace.Sanitize(h.Error)),
					Fix:         "Give at least one name server of " + st.Zone + " a name inside a zone that has glue, or add glue (in-bailiwick names) at the parent.",
					Refs:        []string{"RFC 1034 §4.2.1", "RFC 9471"},
				})
			}
		}
		for _, l := range t.Lookups {
			depth := 0
			for q := l; q != nil && q.Reason == trace.ReasonNSAddr; q = t.LookupByID(q.Parent) {
				depth++
			}
			if depth < 2 {
				continue
			}
			// The zone at the top of this chain needs depth levels.
			top := l
			for q := t.LookupByID(l.Parent); q != nil && q.Reason == trace.ReasonNSAddr; q = t.LookupByID(q.Parent) {
				top = q
			}
			from := t.StepByID(top.FromStep)
			if from == nil || seen[from.Zone] || trace.IsSubdomain(from.Zone, top.Name) {
				continue // in-zone names without glue are missing-glue
			}
			seen[from.Zone] = true
			p.Report(Finding{
				Zone: from.Zone, Servers: []string{top.Name, l.Name}, Steps: []int{from.ID},
				Summary:     fmt.Sprintf("finding the servers of %s takes %d levels of glueless lookups", from.Zone, depth),
				Explanation: fmt.Sprintf("The name servers of %s have no glue: resolving %s needed servers whose own names (%s) also had no glue. Each level costs a full resolution; resolvers limit the depth (BIND and Unbound after NXNSAttack), so some give up with SERVFAIL, especially with a cold cache.", from.Zone, top.Name, l.Name),
				Refs:        []string{"RFC 1034 §4.2.1", "NXNSAttack (USENIX Security 2020)"},
			})
		}
	},
}
