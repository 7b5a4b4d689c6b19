package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleNSNameUnresolvable = &Rule{
	ID: "ns-name-unresolvable", Severity: Error,
	Title: "a name server's name has no address",
	Doc: "Resolving the address of a name server of the zone gave NXDOMAIN, NODATA or a failure (on every path or " +
		"on some). Resolvers waste queries on it and, if the other servers fail, the zone fails.",
	Fix:  "Fix the name (a typo, or a host that was removed) in the zone's NS set and at the parent, or create its address records on every server of its zone.",
	Refs: []string{"RFC 1912 §2.3", "RFC 1034 §4.2.2"},
	Run: func(p *Pass) {
		t := p.Trace
		seen := map[string]bool{}
		cycles := zonesInCycles(t)
		for _, st := range t.Steps {
			hosts := append(append([]trace.NSHost{}, st.Delegation.NS...), st.ChildOnly...)
			for _, h := range hosts {
				if len(h.Lookup) == 0 || h.Failure == trace.NSFailCycle || h.Failure == trace.NSFailBudget || seen[st.Zone+h.Name] {
					continue
				}
				// Explained by another finding: an in-zone name without glue
				// (missing-glue), a cycle (glueless-indirection), a name
				// missing its trailing dot (ns-missing-trailing-dot).
				if (inBailiwickNoGlue(st, h) && inHosts(st.Delegation.NS, h.Name)) || cycles[st.Zone] || repeatsOrigin(h.Name, st.Zone) {
					continue
				}
				why := trace.Sanitize(h.Error)
				if len(h.Addrs) > 0 {
					// Resolved, but only on some paths?
					why = ""
					for _, id := range h.Lookup {
						if l := t.LookupByID(id); l != nil && l.Outcome.Rcode == trace.RcodeDepends {
							why = "an answer on some paths only: " + l.Outcome.Explanation
						}
					}
					if why == "" {
						continue
					}
				}
				seen[st.Zone+h.Name] = true
				where := "listed as a name server of " + st.Zone
				if !inHosts(st.Delegation.NS, h.Name) {
					where = "published as a name server by the servers of " + st.Zone + " (not by the parent)"
				}
				p.Report(Finding{
					Zone: st.Zone, Servers: []string{h.Name}, Steps: []int{st.ID},
					Summary:     "name server " + h.Name + " of " + st.Zone + " does not resolve",
					Explanation: fmt.Sprintf("%s is %s, but resolving its address gave %s. Resolvers waste queries on it and, if the other servers fail, the zone fails.", h.Name, where, why),
				})
			}
		}
	},
}

var ruleNSMissingTrailingDot = &Rule{
	ID: "ns-missing-trailing-dot", Severity: Error,
	Title: "a name server or mail target written without its trailing dot",
	Doc: "The zone publishes an NS (or MX) target like ns1.example.com.example.com.: in a zone file a name without a " +
		"final dot is relative, so it was extended with the origin. The name does not exist, so the server is unusable.",
	Fix:  "Write the target with its trailing dot in the zone file, and reload.",
	Refs: []string{"RFC 1537 §5", "RFC 1912 §2.1"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			if v.zone == "." {
				continue
			}
			names := append(hostNames(parentNS(v)), union(childNS(v))...)
			for _, s := range v.servers {
				for _, q := range queries(s, trace.PurposeMX) {
					if q.OK() {
						for _, rr := range q.Reply.Answer {
							if mx, ok := rr.(*dns.MX); ok {
								names = append(names, strings.ToLower(mx.Mx))
							}
						}
					}
				}
			}
			done := map[string]bool{}
			for _, n := range names {
				intended, ok := missingDot(n, v.zone, false)
				if !ok || done[n] {
					continue
				}
				done[n] = true
				p.Report(Finding{
					Zone: v.zone, Servers: []string{n},
					Summary:     fmt.Sprintf("%s looks like %s written without its trailing dot", n, intended),
					Explanation: fmt.Sprintf("The zone publishes the target %s, which repeats the zone's own name. In a zone file a name without a final dot is relative, so \"%s\" (meant as %s) was extended with the origin %s. The name does not exist, so this server or mail exchanger is unusable.", n, strings.TrimSuffix(intended, "."), intended, v.zone),
					Fix:         fmt.Sprintf("Write the target as %s (with the trailing dot) in the zone file, and reload.", intended),
				})
			}
		}
	},
}

// repeatsOrigin reports whether name looks like a target of zone written
// without its trailing dot in the zone's file (zonetargets.go's missingDot).
func repeatsOrigin(name, zone string) bool {
	_, ok := missingDot(name, zone, false)
	return ok
}

// inBailiwickNoGlue reports whether h is inside the zone it serves and
// came without glue.
func inBailiwickNoGlue(st *trace.Step, h trace.NSHost) bool {
	return trace.IsSubdomain(st.Zone, h.Name) && len(h.Glue) == 0
}

// zonesInCycles are the zones whose name servers can only be found
// through a cycle of glueless lookups.
func zonesInCycles(t *trace.Trace) map[string]bool {
	out := map[string]bool{}
	for _, st := range t.Steps {
		for _, h := range st.Delegation.NS {
			if h.Failure == trace.NSFailCycle && !inBailiwickNoGlue(st, h) {
				out[st.Zone] = true
			}
		}
	}
	return out
}

func inHosts(hosts []trace.NSHost, name string) bool {
	for _, h := range hosts {
		if h.Name == name {
			return true
		}
	}
	return false
}
