package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

var rulePTRMismatch = &Rule{
	ID: "ptr-mismatch", Severity: Notice,
	Title: "an address of the zone's hosts has no PTR, or its PTR does not resolve back",
	Doc: "With --ptr, ddx looks up the reverse name (in-addr.arpa, ip6.arpa) of each address of the zone's hosts " +
		"it met (the answer, the name servers, the MX targets) and the addresses of the names the PTR records give, " +
		"as host -A and dnswalk did. An address with no PTR, or whose PTR names only hosts that do not have that " +
		"address, fails forward-confirmed reverse DNS: mail receivers reject or mark mail from it, and logs and " +
		"traceroutes show no usable name. An address whose PTR names another host that does have the address is fine.",
	Fix: "Have whoever holds the address block (often the hosting or network provider) publish a PTR naming a host " +
		"whose A or AAAA records include the address.",
	Refs: []string{"RFC 1912 §2.1", "RFC 8499 (forward-confirmed reverse DNS)"},
	Run: func(p *Pass) {
		rep := p.Trace.PTR
		if rep == nil {
			return
		}
		for _, c := range rep.Checks {
			l := p.Trace.LookupByID(c.Lookup)
			if l == nil || len(c.Hosts) == 0 || c.Verdict == trace.PTRMismatch && len(c.Names) == 0 {
				continue // nothing looked up (or a saved trace that says nothing)
			}
			owners := listFirst(c.Hosts, 4) // a transfer can give thousands
			switch c.Verdict {
			case trace.PTRMissing:
				what := "NXDOMAIN: it does not exist"
				if c.Rcode == trace.RcodeNoData {
					what = "NODATA: it has no PTR record"
				}
				p.Report(Finding{
					Zone: rep.Zone, Servers: endServers(l), Steps: endSteps(l),
					Summary: fmt.Sprintf("%s (%s) has no PTR record", c.Address, owners),
					Explanation: fmt.Sprintf("%s has the address %s; for its reverse name %s, %s answer %s. "+
						"Mail receivers and other services that look up a connecting address's name find none.",
						owners, c.Address, l.Name, trace.ServerList(endServers(l)), what),
					Fix: fmt.Sprintf("Publish %s PTR naming %s in the reverse zone (whoever holds the address block serves it).",
						l.Name, c.Hosts[0]),
				})
			case trace.PTRMismatch:
				var why []string
				steps := endSteps(l)
				for _, f := range c.Forward {
					fl := p.Trace.LookupByID(f.Lookup)
					switch {
					case fl == nil:
						continue
					case len(f.Addrs) > 0:
						why = append(why, fmt.Sprintf("%s has %s %s", f.Name, fl.Type, strings.Join(f.Addrs, ", ")))
					default:
						why = append(why, fmt.Sprintf("%s: %s", f.Name, fl.Outcome.Explanation))
					}
					steps = append(steps, endSteps(fl)...)
				}
				slices.Sort(steps)
				p.Report(Finding{
					Zone: rep.Zone, Servers: endServers(l), Steps: slices.Compact(steps),
					Summary: fmt.Sprintf("the PTR of %s (%s) names %s, which does not resolve back to it", c.Address, owners, list(c.Names)),
					Explanation: fmt.Sprintf("%s has the address %s; its reverse name %s points to %s, but %s. "+
						"Forward-confirmed reverse DNS fails: mail receivers reject or mark mail from the address.",
						owners, c.Address, l.Name, list(c.Names), strings.Join(why, "; ")),
					Fix: fmt.Sprintf("Make %s PTR name a host whose address records include %s (for instance %s), or add %s to %s.",
						l.Name, c.Address, c.Hosts[0], c.Address, c.Names[0]),
				})
			}
		}
	},
}

// endServers are the servers whose replies ended a lookup.
func endServers(l *trace.Lookup) []string {
	var out []string
	for _, e := range l.Outcome.Ends {
		for _, s := range e.Servers {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// endSteps are the steps where a lookup's paths ended.
func endSteps(l *trace.Lookup) []int {
	var out []int
	for _, e := range l.Outcome.Ends {
		if !slices.Contains(out, e.Step) {
			out = append(out, e.Step)
		}
	}
	slices.Sort(out)
	return out
}
