package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleNSSamePrefix = &Rule{
	ID: "ns-same-prefix", Severity: Warning,
	Title: "the zone's name servers share one network prefix",
	Doc: "Every IPv4 address of the zone's name servers sits in one /24 (or every IPv6 address in one /48): one " +
		"routing problem, outage or attack on that network takes the whole zone down for resolvers of that family. " +
		"Notice when only some of the servers share a prefix and others are elsewhere. The addresses are the " +
		"parent's glue and the zone's own A/AAAA records, except stale glue (glue-mismatch: no server is there). " +
		"Zonemaster (CONNECTIVITY04) asks a BGP database for the announced prefix; ddx asks no third party and " +
		"groups by the longest prefixes routed on the internet, /24 and /48, so servers in different /24s of one " +
		"provider's announcement are not caught. It counts name servers, not addresses (two addresses of one " +
		"server are one server; two names on one address is ns-shared-address), and names the servers of each " +
		"shared prefix. Addresses in the special-purpose block the trace's root servers are in are not a " +
		"topology (a lab on 127.53.0.0/16 is one machine) and are not grouped.",
	Fix:  "Move at least one name server into another network (another /24, another /48), preferably another provider or a secondary DNS service.",
	Refs: []string{"RFC 2182 §3.1"},
	Run: func(p *Pass) {
		lab := labBlocks(p.Trace)
		for _, v := range p.zones {
			ns := zoneNSAddrs(p, v)
			for _, v4 := range []bool{true, false} {
				samePrefix(p, v, ns, v4, lab)
			}
		}
	},
}

// maxPrefixShown is how many networks, and addresses of each, a finding
// names: the zone's servers may give hundreds of addresses.
const maxPrefixShown = 4

// joinFirst joins the first n items with sep, and counts the rest.
func joinFirst(items []string, sep string, n int) string {
	if len(items) <= n {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:n], sep) + fmt.Sprintf("%s and %d more", sep, len(items)-n)
}

// samePrefix reports the name servers of one family of a zone that share
// a prefix: a warning when one prefix holds them all, else a notice.
func samePrefix(p *Pass, v *zoneView, ns nsAddrs, v4 bool, lab []netip.Prefix) {
	bits, family, other := 48, "IPv6", "IPv4"
	if v4 {
		bits, family, other = 24, "IPv4", "IPv6"
	}
	groups := map[netip.Prefix][]netip.Addr{}
	var order []netip.Prefix
	total, elsewhere := 0, 0
	for _, a := range ns.order {
		if a.Is4() != v4 {
			elsewhere++
			continue
		}
		total++
		if inAny(lab, a) {
			continue // never grouped, but the others do not hold them all
		}
		pfx, _ := a.Prefix(bits)
		if _, ok := groups[pfx]; !ok {
			order = append(order, pfx)
		}
		groups[pfx] = append(groups[pfx], a)
	}
	var shared, parts, servers []string
	all := false
	for _, pfx := range order {
		addrs := groups[pfx]
		names := ns.namesOf(addrs)
		if len(addrs) < 2 || len(names) < 2 {
			continue // one address (ns-shared-address) or one server
		}
		all = all || len(addrs) == total
		shared = append(shared, pfx.String())
		var who []string
		for _, a := range addrs {
			who = append(who, fmt.Sprintf("%s (%s)", list(ns.names[a]), a))
		}
		parts = append(parts, fmt.Sprintf("%s: %s", pfx, listFirst(who, maxPrefixShown)))
		for _, n := range names {
			if !slices.Contains(servers, n) {
				servers = append(servers, n)
			}
		}
	}
	if len(shared) == 0 {
		return
	}
	if all {
		then := fmt.Sprintf(" The zone has no %s address: every resolver loses it.", other)
		if elsewhere > 0 {
			then = fmt.Sprintf(" Resolvers that can reach name servers over %s only lose the zone; over %s it has %d address%s of its own.", family, other, elsewhere, pluralES(elsewhere))
		}
		p.Report(Finding{
			Zone: v.zone, Servers: servers,
			Summary:     fmt.Sprintf("every %s address of %s's name servers is in %s", family, v.zone, shared[0]),
			Explanation: fmt.Sprintf("The %d %s addresses of the name servers of %s all sit in one network, %s. One routing problem, outage or attack on that network takes all of them down at once, although the zone looks redundant.%s RFC 2182 §3.1 asks for name servers in different networks. (ddx groups by /%d, the longest prefix routed on the internet, and asks no routing database.)", total, family, v.zone, parts[0], then, bits),
		})
		return
	}
	p.ReportAt(Notice, Finding{
		Zone: v.zone, Servers: servers,
		Summary:     fmt.Sprintf("some name servers of %s share an %s prefix (%s)", v.zone, family, listFirst(shared, maxPrefixShown)),
		Explanation: fmt.Sprintf("Of the %d %s addresses of the name servers of %s, several sit in one network: %s. The zone survives the loss of one such network through its other servers, but those that share it fail together, so the zone is less redundant than its count of servers suggests (RFC 2182 §3.1).", total, family, v.zone, joinFirst(parts, "; ", maxPrefixShown)),
	})
}

// nsAddrs are the addresses of a zone's name servers, in the order met,
// with the names that have each.
type nsAddrs struct {
	order []netip.Addr
	names map[netip.Addr][]string
}

func (ns *nsAddrs) add(name, addr string) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return
	}
	a = a.Unmap()
	if _, ok := ns.names[a]; !ok {
		ns.order = append(ns.order, a)
	}
	if !slices.Contains(ns.names[a], name) {
		ns.names[a] = append(ns.names[a], name)
		slices.Sort(ns.names[a])
	}
}

// namesOf is the sorted set of the names that have any of addrs.
func (ns *nsAddrs) namesOf(addrs []netip.Addr) []string {
	var out []string
	for _, a := range addrs {
		for _, n := range ns.names[a] {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// zoneNSAddrs gathers the addresses of a zone's name servers: the glue and
// the addresses each delegation's names resolved to, the addresses the
// trace asked, and the A/AAAA records the zone's own servers gave for its
// name servers. Stale glue, an address only the parent still lists, is
// left out: no server of the zone is there (glue-mismatch says so).
func zoneNSAddrs(p *Pass, v *zoneView) nsAddrs {
	ns := nsAddrs{names: map[netip.Addr][]string{}}
	stale := staleGlue(p, v)
	nsNames := map[string]bool{}
	add := func(name, addr string) {
		if !stale[addr] {
			ns.add(strings.ToLower(name), addr)
		}
	}
	for _, st := range v.steps {
		for _, h := range st.Delegation.NS {
			nsNames[strings.ToLower(h.Name)] = true
			for _, a := range h.Glue {
				add(h.Name, a)
			}
			for _, a := range h.Addrs {
				add(h.Name, a)
			}
		}
	}
	for _, names := range childNS(v) {
		for _, n := range names {
			nsNames[n] = true
		}
	}
	for _, s := range v.servers {
		add(s.Name, s.Address)
	}
	for _, s := range v.servers {
		for _, q := range queries(s, trace.PurposeAddress) {
			if q.Class != trace.ClassAnswer || q.Reply == nil || !nsNames[strings.ToLower(q.Name)] {
				continue
			}
			for _, rr := range q.Reply.Answer {
				if strings.EqualFold(rr.Header().Name, q.Name) && (rr.Header().Rrtype == dns.TypeA || rr.Header().Rrtype == dns.TypeAAAA) {
					add(q.Name, rrAddr(rr))
				}
			}
		}
	}
	return ns
}

// labBlocks are the special-purpose blocks the trace's root servers are
// in: a trace that starts from a root on loopback or in a documentation
// range runs in a lab, and addresses in that same block say nothing about
// the internet's topology.
func labBlocks(t *trace.Trace) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range t.Config.Roots {
		a, err := netip.ParseAddr(r)
		if err != nil {
			continue
		}
		for _, sr := range specialRanges {
			if sr.pfx.Contains(a.Unmap()) && !slices.Contains(out, sr.pfx) {
				out = append(out, sr.pfx)
			}
		}
	}
	return out
}

func inAny(pfxs []netip.Prefix, a netip.Addr) bool {
	for _, p := range pfxs {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
