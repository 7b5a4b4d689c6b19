package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var ruleCNAMELoop = &Rule{
	ID: "cname-loop", Severity: Error,
	Title: "a CNAME chain loops",
	Doc: "Following the aliases from the queried name comes back to a name already seen. Resolvers give up with " +
		"SERVFAIL after a few hops.",
	Fix:  "Point one of the aliases at the real name (an A/AAAA record), breaking the loop.",
	Refs: []string{"RFC 1034 §3.6.2", "RFC 1912 §2.4"},
	Run: func(p *Pass) {
		seen := map[string]bool{}
		for _, st := range p.Trace.Steps {
			for _, r := range st.Results {
				if !isCNAMELoop(r) || seen[st.Zone] {
					continue
				}
				seen[st.Zone] = true
				chain := strings.TrimPrefix(r.Why, "CNAME loop: ")
				p.Report(Finding{
					Zone: st.Zone, Servers: r.Servers, Steps: []int{st.ID},
					Summary:     "a CNAME chain loops: " + chain,
					Explanation: fmt.Sprintf("Following the aliases from %s comes back to a name already seen (%s). Resolvers give up with SERVFAIL after a few hops.", p.Trace.Query.Name, chain),
				})
			}
		}
	},
}

func isCNAMELoop(r *trace.Result) bool { return r.CNAMEStop == trace.CNAMELoop }

var ruleCNAMEChain = &Rule{
	ID: "cname-chain", Severity: Notice,
	Title: "an alias points to another alias",
	Doc: "The queried name reaches its data through more than one alias. Each alias is another lookup (sometimes in " +
		"another zone), and some software does not follow long chains. Aliases met while finding name servers' " +
		"addresses are not counted.",
	Fix:  "Point the first alias directly at the final name.",
	Refs: []string{"RFC 1034 §5.2.2", "RFC 1912 §2.4"},
	Run: func(p *Pass) {
		t := p.Trace
		for _, st := range t.Steps {
			for _, r := range st.Results {
				if isCNAMELoop(r) {
					return // cname-loop says it
				}
			}
		}
		hops := cnameHops(t)
		if len(hops) <= 2 {
			return
		}
		p.Report(Finding{
			Zone:        zoneOfLookup(t, 0),
			Summary:     fmt.Sprintf("%s goes through %d aliases", t.Query.Name, len(hops)-1),
			Explanation: "The chain is " + strings.Join(hops, " → ") + ". Each alias is another lookup (sometimes in another zone), and some software does not follow long chains.",
		})
	},
}

// cnameHops is the alias chain of the query as the trace followed it: the
// query's own lookup and the CNAME-target lookups it started, not the
// lookups of name servers' addresses.
func cnameHops(t *trace.Trace) []string {
	chain := []string{t.Query.Name}
	seen := map[string]bool{t.Query.Name: true}
	for _, st := range t.Steps {
		if !onQueryPath(t, st.Lookup) {
			continue
		}
		for _, r := range st.Results {
			if r.Kind != trace.KindAnswer && r.Kind != trace.KindCNAME {
				continue
			}
			for _, rr := range resultRecords(st, r) {
				if target := strings.ToLower(rr.Data); rr.Type == "CNAME" && !seen[target] {
					seen[target] = true
					chain = append(chain, target)
				}
			}
		}
	}
	return chain
}

// onQueryPath reports whether a lookup is the query or a CNAME target
// lookup reached from it through CNAME-target lookups only.
func onQueryPath(t *trace.Trace, id int) bool {
	for hops := 0; hops <= len(t.Lookups); hops++ {
		l := t.LookupByID(id)
		if l == nil {
			return false
		}
		switch l.Reason {
		case trace.ReasonQuery:
			return true
		case trace.ReasonCNAME:
			id = l.Parent
		default:
			return false
		}
	}
	return false
}

func zoneOfLookup(t *trace.Trace, lookup int) string {
	zone := ""
	for _, st := range t.Steps {
		if st.Lookup == lookup {
			zone = st.Zone
		}
	}
	return zone
}
