package diagnose

import (
	"fmt"
	"slices"
	"sort"
)

var ruleNSSharedAddress = &Rule{
	ID: "ns-shared-address", Severity: Warning,
	Title: "several name servers share one address",
	Doc: "Several name server names of the zone resolve to the same address. They look redundant but are one " +
		"machine: when it fails, all of them fail.",
	Fix:  "Run each name server on its own address, preferably on different networks.",
	Refs: []string{"RFC 2182 §3"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			byAddr := map[string][]string{}
			var order []string
			for _, s := range v.servers {
				if _, ok := byAddr[s.Address]; !ok {
					order = append(order, s.Address)
				}
				if !slices.Contains(byAddr[s.Address], s.Name) {
					byAddr[s.Address] = append(byAddr[s.Address], s.Name)
				}
			}
			for _, addr := range order {
				names := byAddr[addr]
				if len(names) < 2 {
					continue
				}
				sort.Strings(names)
				p.Report(Finding{
					Zone: v.zone, Servers: names,
					Summary:     fmt.Sprintf("%s share the address %s", list(names), addr),
					Explanation: fmt.Sprintf("The name servers %s of %s all resolve to %s. They look redundant but are one machine: when it fails, all of them fail.", list(names), v.zone, addr),
				})
			}
		}
	},
}
