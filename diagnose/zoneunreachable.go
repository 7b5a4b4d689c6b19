package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var ruleZoneUnreachable = &Rule{
	ID: "zone-unreachable", Severity: Critical,
	Title: "no server of the zone gives a usable answer",
	Doc: "Every server address of the zone timed out, refused, failed or was lame. Resolvers answer SERVFAIL for " +
		"every name in the zone; mail servers treat that as a temporary error and keep retrying. A run that ran out " +
		"of its own budget is INCOMPLETE, never this finding.",
	Fix:  "Bring at least one listed server back (or fix its configuration so it is authoritative), or if the zone was deleted, make sure every parent server has removed the delegation.",
	Refs: []string{"RFC 1034 §4.3.2", "RFC 2308 §7.1"},
	Run: func(p *Pass) {
		t := p.Trace
		seen := map[string]bool{}
		for _, st := range t.Steps {
			for _, r := range st.Results {
				if r.Kind != trace.KindFailed || seen[st.Zone] {
					continue
				}
				if strings.Contains(r.Why, "budget") || strings.Contains(r.Why, "CNAME") {
					continue
				}
				seen[st.Zone] = true
				via := ""
				if t.StepByID(st.Parent) != nil {
					via = fmt.Sprintf(" The delegation came from %s.", list(st.Delegation.From))
				}
				p.Report(Finding{
					Zone: st.Zone, Servers: r.Servers, Steps: []int{st.ID},
					Summary:     "no server of " + st.Zone + " gives a usable answer",
					Explanation: fmt.Sprintf("Every server address of %s was asked %s %s: %s.%s Resolvers answer SERVFAIL for every name in the zone; mail servers treat that as a temporary error and keep retrying.", st.Zone, st.Name, st.Type, trace.Sanitize(r.Why), via),
				})
			}
		}
	},
}
