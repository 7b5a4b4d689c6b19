package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

var ruleNSAddressSpecial = &Rule{
	ID: "ns-address-special", Severity: Error,
	Title: "a name server address is in a special-purpose range",
	Doc: "A name server's address (glue, or the zone's own address records) is in a range resolvers on the " +
		"internet cannot use: private (RFC 1918, ULA), loopback, link-local, shared (100.64/10), documentation, " +
		"benchmarking, reserved or multicast (IANA's special-purpose registries). Resolvers elsewhere waste a " +
		"query on it or, worse, reach a machine of their own network. Ranges of the same kind as the root servers " +
		"the trace started from are not reported: a lab on loopback or documentation addresses is not a mistake.",
	Fix:  "Publish the server's public address in the glue and in the zone.",
	Refs: []string{"RFC 6890", "RFC 1918", "RFC 4193", "RFC 5737", "RFC 3849"},
	Run: func(p *Pass) {
		exempt := map[string]bool{}
		for _, r := range p.Trace.Config.Roots {
			if a, err := netip.ParseAddr(r); err == nil && specialKind(a) != "" {
				exempt[specialKind(a)] = true
			}
		}
		for _, v := range p.zones {
			found := map[string][]string{} // "addr (kind)" -> names
			var keys []string
			add := func(name, addr string) {
				a, err := netip.ParseAddr(addr)
				if err != nil {
					return
				}
				kind := specialKind(a)
				if kind == "" || exempt[kind] {
					return
				}
				k := a.String() + " (" + kind + ")"
				if _, ok := found[k]; !ok {
					keys = append(keys, k)
				}
				if !slices.Contains(found[k], name) {
					found[k] = append(found[k], name)
				}
			}
			for _, st := range v.steps {
				for _, h := range st.Delegation.NS {
					for _, a := range h.Addrs {
						add(h.Name, a)
					}
				}
			}
			for _, s := range v.servers {
				add(s.Name, s.Address)
			}
			if len(keys) == 0 {
				continue
			}
			sort.Strings(keys)
			var names, parts []string
			for _, k := range keys {
				parts = append(parts, list(found[k])+" at "+k)
				for _, n := range found[k] {
					if !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
			}
			p.Report(Finding{
				Zone: v.zone, Servers: names,
				Summary:     fmt.Sprintf("name servers of %s have addresses resolvers cannot use: %s", v.zone, strings.Join(keys, ", ")),
				Explanation: fmt.Sprintf("The zone's name servers are published as %s. Resolvers on the internet cannot reach such addresses: they waste a query on each, or reach a machine of their own network.", strings.Join(parts, "; ")),
			})
		}
	},
}

// special-purpose ranges by kind (IANA IPv4 and IPv6 special-purpose
// address registries, the ranges that matter for a name server).
var specialRanges = []struct {
	kind string
	pfx  netip.Prefix
}{
	{"this network", netip.MustParsePrefix("0.0.0.0/8")},
	{"private", netip.MustParsePrefix("10.0.0.0/8")},
	{"shared address space", netip.MustParsePrefix("100.64.0.0/10")},
	{"loopback", netip.MustParsePrefix("127.0.0.0/8")},
	{"link-local", netip.MustParsePrefix("169.254.0.0/16")},
	{"private", netip.MustParsePrefix("172.16.0.0/12")},
	{"IETF protocol assignments", netip.MustParsePrefix("192.0.0.0/24")},
	{"documentation", netip.MustParsePrefix("192.0.2.0/24")},
	{"private", netip.MustParsePrefix("192.168.0.0/16")},
	{"benchmarking", netip.MustParsePrefix("198.18.0.0/15")},
	{"documentation", netip.MustParsePrefix("198.51.100.0/24")},
	{"documentation", netip.MustParsePrefix("203.0.113.0/24")},
	{"multicast", netip.MustParsePrefix("224.0.0.0/4")},
	{"reserved", netip.MustParsePrefix("240.0.0.0/4")},
	{"unspecified", netip.MustParsePrefix("::/128")},
	{"loopback", netip.MustParsePrefix("::1/128")},
	{"IPv4-mapped", netip.MustParsePrefix("::ffff:0:0/96")},
	{"discard-only", netip.MustParsePrefix("100::/64")},
	{"benchmarking", netip.MustParsePrefix("2001:2::/48")},
	{"documentation", netip.MustParsePrefix("2001:db8::/32")},
	{"documentation", netip.MustParsePrefix("3fff::/20")},
	{"unique local (private)", netip.MustParsePrefix("fc00::/7")},
	{"link-local", netip.MustParsePrefix("fe80::/10")},
	{"multicast", netip.MustParsePrefix("ff00::/8")},
}

// specialKind names the special-purpose range a is in, or "".
func specialKind(a netip.Addr) string {
	for _, r := range specialRanges {
		if r.pfx.Contains(a) {
			return r.kind
		}
	}
	if a.Is4() && a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "broadcast"
	}
	return ""
}
