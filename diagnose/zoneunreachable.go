package diagnose

import (
	"fmt"

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
				if r.Kind != trace.KindFailed || r.Incomplete != "" || r.CNAMEStop != "" || seen[st.Zone] {
					continue // budgets are not outages; alias chains are cname-loop's
				}
				if !unreachable(t, st) {
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

// unreachable reports whether a failed step failed because of its servers:
// no server gave a usable answer, and none was left unasked or abandoned by
// ddx itself (budgets are not outages). A step whose servers all answered
// over UDP but failed over TCP is tcp-failure's; one that answered with a
// CNAME chain too long is cname-loop's. A step with no address to ask is
// unreachable.
func unreachable(t *trace.Trace, st *trace.Step) bool {
	tcp, asked := 0, 0
	for _, s := range st.Servers {
		q := first(s, trace.PurposeResolve)
		if q == nil {
			continue
		}
		asked++
		switch {
		case q.OK() && trace.Usable(q.Class):
			return false
		case !q.OK() && q.ErrorKind != "" && !q.ErrorKind.ServerFault():
			return false
		case q.ErrorKind == trace.ErrKindTCP:
			tcp++
		}
	}
	if asked == 0 {
		// No address to ask: unreachable, unless a budget stopped ddx
		// from finding one.
		for _, l := range t.Limits {
			if l.Step == st.ID {
				return false
			}
		}
		return true
	}
	return tcp < asked
}
