package diagnose

import (
	"fmt"
	"slices"
)

var ruleNSSingleFamily = &Rule{
	ID: "ns-single-family", Severity: Notice,
	Title: "no name server of the zone has an IPv6 (or IPv4) address",
	Doc: "No name server of the zone has an IPv6 address, in the glue or in the zone: resolvers on IPv6-only " +
		"networks reach it only through someone else's translation (DNS64/NAT64 or a dual-stack forwarder). " +
		"Reported as a warning when no server has an IPv4 address: most resolvers still reach authoritative " +
		"servers over IPv4 only, so an IPv6-only zone fails for them outright (RFC 3901 asks for at least one " +
		"IPv4-reachable server). Counts name servers per family, so the explanation says which have which " +
		"(Zonemaster DELEGATION01 counts glue and the zone's records apart; ddx counts them together and " +
		"leaves the difference to glue-mismatch). Not reported for a family the trace did not use (-4, -6), nor " +
		"for a zone whose every address is in the special-purpose block of the trace's root servers: a lab on " +
		"loopback has no IPv6 to offer.",
	Fix:  "Give at least one name server an address of the missing family, in the zone and in the glue at the registrar; better two, on different networks.",
	Refs: []string{"RFC 3901 §3"},
	Run: func(p *Pass) {
		lab := labBlocks(p.Trace)
		for _, v := range p.zones {
			ns := zoneNSAddrs(p, v)
			if len(ns.order) == 0 {
				continue
			}
			inLab := true
			var v4, v6 []string
			for _, a := range ns.order {
				inLab = inLab && inAny(lab, a)
				for _, n := range ns.names[a] {
					if a.Is4() && !slices.Contains(v4, n) {
						v4 = append(v4, n)
					} else if a.Is6() && !slices.Contains(v6, n) {
						v6 = append(v6, n)
					}
				}
			}
			if inLab {
				continue
			}
			slices.Sort(v4)
			slices.Sort(v6)
			switch {
			case len(v6) == 0 && p.Trace.Config.IPv6:
				p.Report(Finding{
					Zone:        v.zone, // the whole set, named in the text: no server is at fault
					Summary:     fmt.Sprintf("no name server of %s has an IPv6 address", v.zone),
					Explanation: fmt.Sprintf("The name servers of %s (%s) have IPv4 addresses only, in the glue and in the zone. Resolvers on IPv6-only networks reach the zone only through a translator (DNS64/NAT64) or a dual-stack forwarder: one more thing that can fail.", v.zone, list(v4)),
				})
			case len(v4) == 0 && p.Trace.Config.IPv4:
				p.ReportAt(Warning, Finding{
					Zone:        v.zone,
					Summary:     fmt.Sprintf("no name server of %s has an IPv4 address", v.zone),
					Explanation: fmt.Sprintf("The name servers of %s (%s) have IPv6 addresses only, in the glue and in the zone. Resolvers without IPv6, still most of them, cannot reach the zone at all.", v.zone, list(v6)),
				})
			}
		}
	},
}
