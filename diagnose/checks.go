package diagnose

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func init() {
	checks = []check{
		checkBranches, checkNotDelegated, checkNSCount, checkUpward,
		checkNSNames, checkGlue, checkNSIsCNAME, checkGlueless, checkSharedAddress,
		checkReachability, checkSlow, checkTCP, checkEDNS, checkZoneUnreachable,
		checkLame, checkServFail, checkRecursive,
		checkParentChild, checkNSSetConsistent, checkSerials, checkNSTTL,
		checkSOATimers, checkCNAMEs, checkMX, checkWildcardMX, checkNameLooksLikeAddress,
	}
}

// checkBranches: parent servers that disagree about a delegation, and
// servers of one zone that give different answers.
func checkBranches(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, st := range t.Steps {
		if len(st.Results) < 2 {
			continue
		}
		var parts []string
		var servers []string
		child := ""
		for _, r := range st.Results {
			what := strings.ToUpper(r.Kind)
			switch r.Kind {
			case trace.KindReferral:
				what = "a referral to " + r.Zone + " (NS " + strings.Join(r.NS, " ") + ")"
				child = r.Zone
			case trace.KindAnswer:
				what = "the answer " + strings.Join(rdataOnly(r.Records), ", ")
			case trace.KindCNAME:
				what = "an alias to " + r.Target
			}
			parts = append(parts, list(r.Servers)+" gave "+what)
			servers = append(servers, r.Servers...)
		}
		if child != "" {
			out = append(out, Finding{
				ID: "parent-servers-disagree", Severity: Error, Zone: child, Servers: servers, Steps: []int{st.ID},
				Summary: fmt.Sprintf("the servers of %s disagree about %s", st.Zone, child),
				Explanation: fmt.Sprintf("Asked %s %s, %s. A resolver that asks the first group gets one answer, one that asks the other gets another, so the name works for some people and not others, and caches make it change over time. This is what a lagging or stale server of the parent zone looks like (a zone that was deleted or moved, and one server still serves the old copy).",
					st.Name, st.Type, strings.Join(parts, "; ")),
				Fix:  "Find the parent server that serves an old copy of " + st.Zone + " (compare SOA serials) and fix its zone transfers; if the delegation should exist, make every parent server serve it.",
				Refs: []string{"RFC 1034 §4.3.2", "RFC 4697 §2.2"},
			})
			continue
		}
		out = append(out, Finding{
			ID: "answer-inconsistent", Severity: Warning, Zone: st.Zone, Servers: servers, Steps: []int{st.ID},
			Summary:     fmt.Sprintf("the servers of %s give different answers to %s %s", st.Zone, st.Name, st.Type),
			Explanation: fmt.Sprintf("%s. Resolvers pick servers at random, so users get different answers depending on which server their resolver asked last.", strings.Join(parts, "; ")),
			Fix:         "Make every server of " + st.Zone + " serve the same zone data: check zone transfers (NOTIFY, serials) or the provisioning that writes the zone.",
			Refs:        []string{"RFC 1034 §4.3.5", "RFC 2181 §5"},
		})
	}
	return out
}

func rdataOnly(recs []string) []string {
	var out []string
	for _, r := range recs {
		if f := strings.Fields(r); len(f) >= 5 {
			out = append(out, f[3]+" "+strings.Join(f[4:], " "))
		}
	}
	return out
}

// checkNotDelegated: a health check of a zone that no parent server
// delegates.
func checkNotDelegated(t *trace.Trace, zs []*zoneView) []Finding {
	if t.Query.Qtype != dns.TypeSOA {
		return nil
	}
	for _, st := range t.Steps {
		if st.Lookup != 0 || st.Zone == t.Query.Name {
			continue
		}
		if len(st.Results) == 0 {
			continue
		}
		all := true
		var servers []string
		for _, r := range st.Results {
			if r.Kind != trace.KindNXDomain && r.Kind != trace.KindNoData {
				all = false
			}
			servers = append(servers, r.Servers...)
		}
		if all {
			return []Finding{{
				ID: "not-delegated", Severity: Critical, Zone: t.Query.Name, Servers: servers, Steps: []int{st.ID},
				Summary:     t.Query.Name + " is not delegated",
				Explanation: fmt.Sprintf("Every server of %s (%s) answered %s to SOA %s instead of referring to the zone's servers, so no resolver can find them.", st.Zone, list(servers), strings.ToUpper(st.Results[0].Kind), t.Query.Name),
				Fix:         "Register the zone (or restore the delegation) with the operator of " + st.Zone + ", giving its NS records and glue.",
				Refs:        []string{"RFC 1034 §4.2.2"},
			}}
		}
	}
	return nil
}

func checkNSCount(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		if v.zone == "." {
			continue
		}
		st := referralStep(v)
		if st == nil {
			continue
		}
		parent := hostNames(st.Delegation.NS)
		child := union(childNS(v))
		addrs := map[string]bool{}
		for _, s := range v.servers {
			addrs[s.Address] = true
		}
		switch {
		case len(parent) < 2 || (len(child) > 0 && len(child) < 2):
			out = append(out, Finding{
				ID: "too-few-ns", Severity: Warning, Zone: v.zone, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("%s has fewer than two name servers", v.zone),
				Explanation: fmt.Sprintf("The parent lists %s and the zone lists %s. With a single server, one outage or one network problem makes the whole zone unresolvable.", list(parent), list(child)),
				Fix:         "Add at least one more name server, on a different network, to the zone and to the delegation.",
				Refs:        []string{"RFC 1034 §4.1", "RFC 2182 §5"},
			})
		case len(addrs) < 2 && len(v.servers) > 0:
			out = append(out, Finding{
				ID: "too-few-ns", Severity: Warning, Zone: v.zone, Servers: labels(v.servers), Steps: []int{st.ID},
				Summary:     fmt.Sprintf("%s's name servers have only one address between them", v.zone),
				Explanation: fmt.Sprintf("The name servers %s all resolve to %s: one machine, so no redundancy.", list(parent), v.servers[0].Address),
				Fix:         "Run the name servers on separate machines with separate addresses.",
				Refs:        []string{"RFC 2182 §5"},
			})
		}
		size := referralSize(st.Delegation.Raw)
		if n := max(len(parent), len(child)); n > 7 || size > 512 {
			out = append(out, Finding{
				ID: "too-many-ns", Severity: Notice, Zone: v.zone, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("%s has %d name servers", v.zone, n),
				Explanation: fmt.Sprintf("More than seven name servers rarely add resilience, and the referral (%d bytes without EDNS) may not fit a 512-byte UDP reply, which forces truncation or drops glue for resolvers without EDNS.", size),
				Fix:         "Keep the NS set to the servers that add real diversity (networks, operators); two to seven is usual.",
				Refs:        []string{"RFC 2182 §5", "RFC 1035 §4.2.1"},
			})
		}
	}
	return out
}

// referralSize is the size of a referral without EDNS, compressed.
func referralSize(m *dns.Msg) int {
	if m == nil {
		return 0
	}
	c := m.Copy()
	var extra []dns.RR
	for _, rr := range c.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	c.Extra = extra
	c.Compress = true
	return c.Len()
}

func checkUpward(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			for _, q := range s.Queries {
				if q.Class != trace.ClassUpward {
					continue
				}
				out = append(out, Finding{
					ID: "upward-referral", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " refers queries for " + v.zone + " upward",
					Explanation: said(s, q) + ". A server listed for " + v.zone + " should answer for it; sending resolvers back up the tree (often to the root) is a sign it does not serve the zone at all. Resolvers treat it as lame and retry elsewhere, which costs time; if every server does it, the zone fails.",
					Fix:         "Configure " + s.Name + " to serve " + v.zone + ", or remove it from the zone's NS set and the delegation.",
					Refs:        []string{"RFC 4697 §2.4"},
				})
				break
			}
		}
	}
	return out
}

// checkNSNames: name servers whose names do not resolve, and names with a
// missing trailing dot.
func checkNSNames(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, st := range t.Steps {
		hosts := append(append([]trace.NSHost{}, st.Delegation.NS...), st.ChildOnly...)
		for _, h := range hosts {
			if len(h.Lookup) == 0 || strings.Contains(h.Error, "cycle") || strings.Contains(h.Error, "budget") || seen[st.Zone+h.Name] {
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
			out = append(out, Finding{
				ID: "ns-name-unresolvable", Severity: Error, Zone: st.Zone, Servers: []string{h.Name}, Steps: []int{st.ID},
				Summary:     "name server " + h.Name + " of " + st.Zone + " does not resolve",
				Explanation: fmt.Sprintf("%s is %s, but resolving its address gave %s. Resolvers waste queries on it and, if the other servers fail, the zone fails.", h.Name, where, why),
				Fix:         "Fix the name (a typo, or a host that was removed) in the zone's NS set and at the parent, or create its address records on every server of its zone.",
				Refs:        []string{"RFC 1912 §2.3", "RFC 1034 §4.2.2"},
			})
		}
	}
	for _, v := range zs {
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
		bad := strings.TrimSuffix(v.zone, ".") + "." + v.zone
		done := map[string]bool{}
		for _, n := range names {
			if !strings.HasSuffix(n, "."+bad) && n != bad || done[n] {
				continue
			}
			done[n] = true
			intended := strings.TrimSuffix(n, v.zone)
			out = append(out, Finding{
				ID: "ns-missing-trailing-dot", Severity: Error, Zone: v.zone, Servers: []string{n},
				Summary:     fmt.Sprintf("%s looks like %s written without its trailing dot", n, intended),
				Explanation: fmt.Sprintf("The zone publishes the target %s, which repeats the zone's own name. In a zone file a name without a final dot is relative, so \"%s\" (meant as %s) was extended with the origin %s. The name does not exist, so this server or mail exchanger is unusable.", n, strings.TrimSuffix(intended, "."), intended, v.zone),
				Fix:         fmt.Sprintf("Write the target as %s (with the trailing dot) in the zone file, and reload.", intended),
				Refs:        []string{"RFC 1537 §5", "RFC 1912 §2.1"},
			})
		}
	}
	return out
}

// checkGlue: missing glue, glue that differs from the zone's own address
// records, and glue the parent has no business giving.
func checkGlue(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		st := referralStep(v)
		if st == nil {
			continue
		}
		var missing []string
		for _, h := range st.Delegation.NS {
			if trace.IsSubdomain(v.zone, h.Name) && len(h.Glue) == 0 {
				missing = append(missing, h.Name)
			}
		}
		if len(missing) > 0 {
			reachable := len(v.servers) > 0
			sev := Warning
			why := "Resolvers can still reach the zone through its other servers, but those names cost a circular lookup each."
			if !reachable || len(missing) == len(st.Delegation.NS) {
				sev = Error
				why = "No server of the zone can be reached without it: to find the address of a server inside the zone, a resolver must first ask that zone's servers. The zone does not resolve."
			}
			out = append(out, Finding{
				ID: "missing-glue", Severity: sev, Zone: v.zone, Servers: missing, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("the delegation of %s has no glue for %s", v.zone, list(missing)),
				Explanation: fmt.Sprintf("%s delegated %s to %s, which are inside the zone, without their addresses (glue). %s", list(st.Delegation.From), v.zone, list(missing), why),
				Fix:         "Register the name servers' addresses (glue / host objects) with the registrar of " + v.zone + ".",
				Refs:        []string{"RFC 1034 §4.2.1", "RFC 9471"},
			})
		}
		out = append(out, glueMismatch(v, st)...)
		if m := st.Delegation.Raw; m != nil {
			p := t.StepByID(st.Parent)
			if p == nil {
				continue
			}
			c := trace.Classify(st.Name, st.Qtype, p.Zone, m)
			if len(c.OutGlue) > 0 {
				out = append(out, Finding{
					ID: "unnecessary-glue", Severity: Notice, Zone: v.zone, Servers: st.Delegation.From, Steps: []int{p.ID},
					Summary:     fmt.Sprintf("the referral to %s carries addresses from outside %s", v.zone, p.Zone),
					Explanation: fmt.Sprintf("%s added %s to its referral. The servers of %s have no authority over those names: careful resolvers ignore them, careless ones may cache them, which is how cache poisoning works.", list(st.Delegation.From), list(c.OutGlue), p.Zone),
					Fix:         "Remove out-of-zone address records from " + p.Zone + " (or stop the server from adding additional data from other zones).",
					Refs:        []string{"RFC 2181 §5.4.1", "RFC 1034 §4.2.1"},
				})
			}
		}
	}
	return out
}

func glueMismatch(v *zoneView, st *trace.Step) []Finding {
	var out []Finding
	for _, h := range st.Delegation.NS {
		if len(h.Glue) == 0 {
			continue
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			glue := familyAddrs(h.Glue, qt)
			auth := map[string]bool{}
			var who []string
			for _, s := range v.servers {
				for _, q := range queries(s, trace.PurposeAddress) {
					if q.Name != h.Name || q.Type != dns.TypeToString[qt] || q.Class != trace.ClassAnswer && q.Class != trace.ClassNoData {
						continue
					}
					who = append(who, s.Label())
					for _, rr := range q.Reply.Answer {
						if a := rrAddr(rr); a != "" {
							auth[a] = true
						}
					}
				}
			}
			if len(who) == 0 {
				continue
			}
			var authList []string
			for a := range auth {
				authList = append(authList, a)
			}
			sort.Strings(authList)
			if strings.Join(glue, ",") == strings.Join(authList, ",") || len(glue) == 0 && len(authList) == 0 {
				continue
			}
			if len(glue) == 0 {
				continue // glue of the other family only: not a mismatch
			}
			out = append(out, Finding{
				ID: "glue-mismatch", Severity: Error, Zone: v.zone, Servers: append([]string{h.Name}, who...), Steps: []int{st.ID},
				Summary:     fmt.Sprintf("the parent's glue for %s (%s) differs from the zone's %s records (%s)", h.Name, list(glue), dns.TypeToString[qt], list(authList)),
				Explanation: fmt.Sprintf("%s delegated %s with glue %s %s, but the zone's own servers (%s) say %s. Resolvers use the glue first, so they send queries to the old address; this is the usual trace of a renumbered server whose glue was never updated at the registry.", list(st.Delegation.From), v.zone, h.Name, list(glue), list(who), list(authList)),
				Fix:         "Update the glue (host object) for " + h.Name + " at the registrar to " + list(authList) + ".",
				Refs:        []string{"RFC 1912 §2.3", "RFC 2181 §5.4.1"},
			})
		}
	}
	return out
}

func familyAddrs(addrs []string, qt uint16) []string {
	var out []string
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		if a.Is4() == (qt == dns.TypeA) {
			out = append(out, a.String())
		}
	}
	sort.Strings(out)
	return out
}

func rrAddr(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.A:
		return v.A.String()
	case *dns.AAAA:
		return v.AAAA.String()
	}
	return ""
}

func checkNSIsCNAME(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, l := range t.Lookups {
		if l.Reason != trace.ReasonNSAddr || seen[l.Name] {
			continue
		}
		for _, st := range t.Steps {
			if st.Lookup != l.ID {
				continue
			}
			for _, r := range st.Results {
				if r.Kind != trace.KindCNAME && !(r.Kind == trace.KindAnswer && hasCNAME(r.Records)) {
					continue
				}
				seen[l.Name] = true
				from := t.StepByID(l.FromStep)
				zone := ""
				if from != nil {
					zone = from.Zone
				}
				out = append(out, Finding{
					ID: "ns-is-cname", Severity: Error, Zone: zone, Servers: append([]string{l.Name}, r.Servers...), Steps: []int{st.ID},
					Summary:     fmt.Sprintf("name server %s of %s is an alias", l.Name, zone),
					Explanation: fmt.Sprintf("%s said %s is a CNAME for %s. NS records must name the server's canonical name: some resolvers refuse to follow an alias here and treat the server as unreachable, and BIND refuses to load such a zone.", list(r.Servers), l.Name, cnameTarget(r)),
					Fix:         "Put the canonical name (" + cnameTarget(r) + ") in the NS records of " + zone + " and of its parent.",
					Refs:        []string{"RFC 2181 §10.3", "RFC 1912 §2.4"},
				})
			}
		}
	}
	return out
}

func hasCNAME(recs []string) bool {
	for _, r := range recs {
		if f := strings.Fields(r); len(f) >= 4 && f[3] == "CNAME" {
			return true
		}
	}
	return false
}

func cnameTarget(r *trace.Result) string {
	if r.Target != "" {
		return r.Target
	}
	for _, rec := range r.Records {
		if f := strings.Fields(rec); len(f) >= 5 && f[3] == "CNAME" {
			return f[4]
		}
	}
	return "?"
}

// checkGlueless: zones whose servers can only be found through other
// zones' servers, more than one level deep or in a cycle.
func checkGlueless(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, st := range t.Steps {
		for _, h := range st.Delegation.NS {
			if strings.Contains(h.Error, "cycle") && !seen[st.Zone] {
				seen[st.Zone] = true
				out = append(out, Finding{
					ID: "glueless-indirection", Severity: Error, Zone: st.Zone, Servers: []string{h.Name}, Steps: []int{st.ID},
					Summary:     fmt.Sprintf("the servers of %s can only be found through a cycle", st.Zone),
					Explanation: fmt.Sprintf("To reach %s a resolver must resolve %s, and resolving that needs %s again (%s). No resolver can break the cycle without glue, so the zone does not resolve.", st.Zone, h.Name, st.Zone, trace.Sanitize(h.Error)),
					Fix:         "Give at least one name server of " + st.Zone + " a name inside a zone that has glue, or add glue (in-bailiwick names) at the parent.",
					Refs:        []string{"RFC 1034 §4.2.1", "RFC 9471"},
				})
			}
		}
	}
	for _, l := range t.Lookups {
		depth := 0
		for p := l; p != nil && p.Reason == trace.ReasonNSAddr; p = t.LookupByID(p.Parent) {
			depth++
		}
		if depth < 2 {
			continue
		}
		// The zone at the top of this chain needs depth levels.
		top := l
		for p := t.LookupByID(l.Parent); p != nil && p.Reason == trace.ReasonNSAddr; p = t.LookupByID(p.Parent) {
			top = p
		}
		from := t.StepByID(top.FromStep)
		if from == nil || seen[from.Zone] {
			continue
		}
		seen[from.Zone] = true
		out = append(out, Finding{
			ID: "glueless-indirection", Severity: Warning, Zone: from.Zone, Servers: []string{top.Name, l.Name}, Steps: []int{from.ID},
			Summary:     fmt.Sprintf("finding the servers of %s takes %d levels of glueless lookups", from.Zone, depth),
			Explanation: fmt.Sprintf("The name servers of %s have no glue: resolving %s needed servers whose own names (%s) also had no glue. Each level costs a full resolution; resolvers limit the depth (BIND and Unbound after NXNSAttack), so some give up with SERVFAIL, especially with a cold cache.", from.Zone, top.Name, l.Name),
			Fix:         "Use name servers whose names are in zones with glue, or in-bailiwick names with glue at the parent.",
			Refs:        []string{"RFC 1034 §4.2.1", "NXNSAttack (USENIX Security 2020)"},
		})
	}
	return out
}

func checkSharedAddress(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		byAddr := map[string][]string{}
		for _, s := range v.servers {
			if !containsStr(byAddr[s.Address], s.Name) {
				byAddr[s.Address] = append(byAddr[s.Address], s.Name)
			}
		}
		for addr, names := range byAddr {
			if len(names) < 2 {
				continue
			}
			sort.Strings(names)
			out = append(out, Finding{
				ID: "ns-shared-address", Severity: Warning, Zone: v.zone, Servers: names,
				Summary:     fmt.Sprintf("%s share the address %s", list(names), addr),
				Explanation: fmt.Sprintf("The name servers %s of %s all resolve to %s. They look redundant but are one machine: when it fails, all of them fail.", list(names), v.zone, addr),
				Fix:         "Run each name server on its own address, preferably on different networks.",
				Refs:        []string{"RFC 2182 §3"},
			})
		}
	}
	return out
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkReachability: silent and unreachable server addresses.
func checkReachability(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			q := first(s, trace.PurposeResolve)
			if q == nil || q.OK() {
				continue
			}
			switch q.ErrorKind {
			case "timeout":
				out = append(out, Finding{
					ID: "server-timeout", Severity: Warning, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " does not answer",
					Explanation: fmt.Sprintf("Asked %s %s over UDP (%d %s), %s sent nothing back: %s. Resolvers wait for it, then try another server: every lookup that picks it is slower, and if the others fail too the zone fails.", q.Name, q.Type, len(q.Attempts), pluralWord(len(q.Attempts), "try", "tries"), s.Label(), trace.Sanitize(q.Error)),
					Fix:         "Check that the server runs, listens on " + s.Address + " port 53 (UDP and TCP), and that no firewall drops queries; or remove it from the NS set and the delegation.",
					Refs:        []string{"RFC 1034 §4.3.2", "RFC 2182 §3"},
				})
			case "unreachable":
				out = append(out, Finding{
					ID: "server-unreachable", Severity: Warning, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " is unreachable",
					Explanation: fmt.Sprintf("Querying %s failed at once: %s. Nothing answers DNS at that address.", s.Label(), trace.Sanitize(q.Error)),
					Fix:         "Start the name server on " + s.Address + ", fix the route, or remove the address from the zone and the glue.",
					Refs:        []string{"RFC 1122 §3.2.2.1"},
				})
			}
		}
	}
	return out
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func checkSlow(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		rtts := map[string]float64{}
		var all []float64
		for _, s := range v.servers {
			best := -1.0
			for _, q := range s.Queries {
				if q.OK() && q.Transport == "udp" && (best < 0 || q.RTTms < best) {
					best = q.RTTms
				}
			}
			if best >= 0 {
				rtts[s.Label()] = best
				all = append(all, best)
			}
		}
		if len(all) == 0 {
			continue
		}
		sort.Float64s(all)
		median := all[len(all)/2]
		for _, s := range v.servers {
			r, ok := rtts[s.Label()]
			if !ok || !(r > 500 || (len(all) > 1 && r > 5*median && r > 100)) {
				continue
			}
			out = append(out, Finding{
				ID: "slow-server", Severity: Notice, Zone: v.zone, Servers: []string{s.Label()},
				Summary:     fmt.Sprintf("%s takes %.0f ms to answer", s.Label(), r),
				Explanation: fmt.Sprintf("Its fastest reply took %.0f ms, against a median of %.0f ms for the servers of %s. Resolvers learn to avoid slow servers, but every first lookup that picks it is slow, and near their timeouts it is treated as dead.", r, median, v.zone),
				Fix:         "Check the server's load and network path, or move it closer to its users; anycast helps.",
				Refs:        []string{"RFC 4697 §2.6"},
			})
		}
	}
	return out
}

func checkTCP(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			if q := first(s, trace.PurposeTCP); q != nil && !q.OK() && udpWorks(s) {
				out = append(out, Finding{
					ID: "tcp-failure", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " does not answer over TCP",
					Explanation: fmt.Sprintf("%s answers over UDP, but asked SOA %s over TCP it failed: %s. Every answer too large for UDP (big TXT or DNSKEY sets, many records) fails through this server, and resolvers that prefer TCP cannot use it.", s.Label(), v.zone, trace.Sanitize(q.Error)),
					Fix:         "Allow DNS over TCP port 53 to " + s.Address + " (firewalls, load balancers) and make the server listen on TCP.",
					Refs:        []string{"RFC 7766 §5", "RFC 1123 §6.1.3.2"},
				})
				continue
			}
			for _, q := range s.Queries {
				if q.ErrorKind != "tcp" || q.Purpose == trace.PurposeTCP {
					continue
				}
				out = append(out, Finding{
					ID: "tcp-failure", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " truncates over UDP and fails over TCP",
					Explanation: fmt.Sprintf("The answer to %s %s did not fit in UDP (TC=1), and the retry over TCP failed: %s. Large answers (big TXT or DNSKEY sets, many records) cannot be resolved through this server.", q.Name, q.Type, trace.Sanitize(q.Error)),
					Fix:         "Allow DNS over TCP port 53 to " + s.Address + " (firewalls, load balancers) and make the server listen on TCP.",
					Refs:        []string{"RFC 7766 §5", "RFC 1123 §6.1.3.2"},
				})
				break
			}
		}
	}
	return out
}

func checkEDNS(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			var why string
			for _, q := range s.Queries {
				if w := ednsProblem(q); w != "" {
					why = w
					break
				}
			}
			if why == "" {
				continue
			}
			out = append(out, Finding{
				ID: "edns-noncompliance", Severity: Warning, Zone: v.zone, Servers: []string{s.Label()},
				Summary:     s.Label() + " mishandles EDNS",
				Explanation: why + " Modern resolvers no longer retry without EDNS (the 2019 DNS flag day), so to them this server looks dead.",
				Fix:         "Upgrade the server software or fix the middlebox in front of it; check with https://ednscomp.isc.org style tests.",
				Refs:        []string{"RFC 6891 §7", "RFC 6891 §6.2.2"},
			})
		}
	}
	return out
}

func ednsProblem(q *trace.Query) string {
	for i, a := range q.Attempts {
		if !a.EDNS || i+1 >= len(q.Attempts) {
			continue
		}
		next := q.Attempts[i+1]
		if (a.Rcode == "FORMERR" || a.Rcode == "NOTIMP") && !next.EDNS && next.Rcode != "" {
			return fmt.Sprintf("Asked %s %s with EDNS it answered %s; without EDNS it answered %s.", q.Name, q.Type, a.Rcode, next.Rcode)
		}
	}
	n := len(q.Attempts)
	if n >= 3 && q.Attempts[n-1].Change == "EDNS again to confirm" && q.Attempts[n-1].ErrorKind == "timeout" && q.Attempts[n-2].Rcode != "" && !q.Attempts[n-2].EDNS {
		return fmt.Sprintf("Asked %s %s with EDNS it stayed silent; without EDNS it answered, and with EDNS again it was silent.", q.Name, q.Type)
	}
	if q.OK() && !q.EDNS && n > 0 && q.Attempts[n-1].EDNS {
		return fmt.Sprintf("Asked %s %s with EDNS it answered without an OPT record.", q.Name, q.Type)
	}
	return ""
}

func checkZoneUnreachable(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
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
			if p := t.StepByID(st.Parent); p != nil {
				via = fmt.Sprintf(" The delegation came from %s.", list(st.Delegation.From))
			}
			out = append(out, Finding{
				ID: "zone-unreachable", Severity: Critical, Zone: st.Zone, Servers: r.Servers, Steps: []int{st.ID},
				Summary:     "no server of " + st.Zone + " gives a usable answer",
				Explanation: fmt.Sprintf("Every server address of %s was asked %s %s: %s.%s Resolvers answer SERVFAIL for every name in the zone; mail servers treat that as a temporary error and keep retrying.", st.Zone, st.Name, st.Type, trace.Sanitize(r.Why), via),
				Fix:         "Bring at least one listed server back (or fix its configuration so it is authoritative), or if the zone was deleted, make sure every parent server has removed the delegation.",
				Refs:        []string{"RFC 1034 §4.3.2", "RFC 2308 §7.1"},
			})
		}
	}
	return out
}

// checkLame: servers listed for a zone that are not authoritative for it.
func checkLame(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			q := first(s, trace.PurposeSOA)
			if q == nil || !q.OK() {
				continue
			}
			if isRecursive(q) {
				continue // reported as recursive-nameserver
			}
			switch q.Class {
			case trace.ClassRefused, trace.ClassLame, trace.ClassReferral, trace.ClassUpward:
			default:
				continue
			}
			out = append(out, Finding{
				ID: "lame-delegation", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
				Summary:     s.Label() + " is lame for " + v.zone,
				Explanation: said(s, q) + ". It is listed as a name server of " + v.zone + " but does not serve the zone authoritatively. Resolvers that pick it get nothing useful, retry elsewhere (slower lookups) and mark it lame; if every server is like this, the zone fails.",
				Fix:         "Configure " + s.Name + " to serve " + v.zone + " (check the zone statement and that the zone loads), or remove it from the NS set and the delegation.",
				Refs:        []string{"RFC 1713 §2.3", "RFC 4697 §2.3", "RFC 1912 §2.8"},
			})
		}
	}
	return out
}

func isRecursive(q *trace.Query) bool {
	return q.OK() && q.Reply.RecursionAvailable && !q.Reply.Authoritative
}

func checkServFail(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			for _, q := range s.Queries {
				if q.Class != trace.ClassServFail || q.Purpose == trace.PurposeRecursion {
					continue
				}
				out = append(out, Finding{
					ID: "server-failure", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     s.Label() + " answers SERVFAIL for " + v.zone,
					Explanation: said(s, q) + ". An authoritative server says SERVFAIL when it has the zone configured but cannot serve it, most often because the zone file failed to load or expired on a secondary.",
					Fix:         "Check the server's logs for the zone (syntax errors, failed transfers, expired secondary) and reload it.",
					Refs:        []string{"RFC 1035 §4.1.1", "RFC 2308 §7.1"},
				})
				break
			}
		}
	}
	return out
}

func checkRecursive(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			var evidence string
			for _, q := range s.Queries {
				if q.Purpose == trace.PurposeRecursion && q.OK() && q.Reply.RecursionAvailable && q.Class == trace.ClassAnswer {
					evidence = "It answered a recursive query for " + q.Name + ", a name it has no authority over."
				}
				if q.Purpose == trace.PurposeRecursion && q.OK() && len(q.Answer) > 0 && q.Reply.RecursionAvailable {
					evidence = "It answered a recursive query for " + q.Name + ", a name it has no authority over."
				}
				if (q.Purpose == trace.PurposeSOA || q.Purpose == trace.PurposeResolve) && isRecursive(q) {
					evidence = said(s, q) + " with RA=1 and AA=0: it answers from a cache, not from the zone."
				}
				if evidence != "" {
					break
				}
			}
			if evidence == "" {
				continue
			}
			out = append(out, Finding{
				ID: "recursive-nameserver", Severity: Warning, Zone: v.zone, Servers: []string{s.Label()},
				Summary:     s.Label() + " answers recursively",
				Explanation: evidence + " A server listed for " + v.zone + " should be authoritative; a recursive one is lame for the zone and, if it answers anyone, an open resolver that can be abused for amplification attacks.",
				Fix:         "Make " + s.Name + " authoritative-only (recursion no) and serve " + v.zone + " from it, or remove it from the NS set.",
				Refs:        []string{"RFC 5358", "RFC 4697 §2.3"},
			})
		}
	}
	return out
}

func checkParentChild(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		st := referralStep(v)
		if st == nil {
			continue
		}
		parent := hostNames(st.Delegation.NS)
		child := union(childNS(v))
		if len(child) == 0 {
			continue
		}
		onlyParent, onlyChild := minus(parent, child), minus(child, parent)
		if len(onlyParent) == 0 && len(onlyChild) == 0 {
			continue
		}
		out = append(out, Finding{
			ID: "ns-parent-child-mismatch", Severity: Error, Zone: v.zone, Servers: append(onlyParent, onlyChild...), Steps: []int{st.ID},
			Summary: fmt.Sprintf("the parent and the zone list different name servers for %s", v.zone),
			Explanation: fmt.Sprintf("%s delegated %s to %s, but the zone's own servers publish %s. Only at the parent: %s (such servers are often lame or forgotten). Only in the zone: %s (invisible until a resolver's first answer, then they replace the parent's set, RFC 2181 §5.4.1), so answers change once caches are warm.",
				list(st.Delegation.From), v.zone, list(parent), list(child), list(onlyParent), list(onlyChild)),
			Fix:  "Make the NS records in the zone and the delegation at the registrar the same set.",
			Refs: []string{"RFC 1034 §4.2.2", "RFC 2181 §5.4.1", "RFC 1713 §2.3"},
		})
	}
	return out
}

func checkNSSetConsistent(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		sets := childNS(v)
		groups := map[string][]string{}
		for who, set := range sets {
			k := strings.Join(set, " ")
			groups[k] = append(groups[k], who)
		}
		if len(groups) < 2 {
			continue
		}
		var parts, servers []string
		for k, who := range groups {
			sort.Strings(who)
			parts = append(parts, list(who)+" publish "+k)
			servers = append(servers, who...)
		}
		sort.Strings(parts)
		out = append(out, Finding{
			ID: "ns-set-inconsistent", Severity: Notice, Zone: v.zone, Servers: servers,
			Summary:     "the servers of " + v.zone + " publish different NS sets",
			Explanation: strings.Join(parts, "; ") + ". Which set a resolver caches depends on which server it asked.",
			Fix:         "Make every server serve the same zone (check transfers and serials).",
			Refs:        []string{"RFC 2181 §5"},
		})
	}
	return out
}

func checkSerials(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		serials := map[uint32][]string{}
		for _, s := range v.servers {
			if soa := apexSOA(s, v.zone); soa != nil {
				serials[soa.Serial] = append(serials[soa.Serial], s.Label())
			}
		}
		if len(serials) < 2 {
			continue
		}
		var nums []uint32
		for n := range serials {
			nums = append(nums, n)
		}
		sort.Slice(nums, func(i, j int) bool { return serialLess(nums[i], nums[j]) })
		var parts, servers []string
		for _, n := range nums {
			parts = append(parts, fmt.Sprintf("%s serve%s serial %d", list(serials[n]), plural(len(serials[n])), n))
			servers = append(servers, serials[n]...)
		}
		out = append(out, Finding{
			ID: "soa-serial-mismatch", Severity: Warning, Zone: v.zone, Servers: servers,
			Summary:     "the servers of " + v.zone + " serve different SOA serials",
			Explanation: strings.Join(parts, "; ") + fmt.Sprintf(". The highest (by RFC 1982 serial arithmetic) is %d: the others missed a zone transfer or lag behind, and serve older data.", nums[len(nums)-1]),
			Fix:         "Check NOTIFY and zone transfers from the primary to the lagging servers (logs, ACLs, TSIG keys).",
			Refs:        []string{"RFC 1982", "RFC 1996", "RFC 1912 §2.2"},
		})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// serialLess compares SOA serials with RFC 1982 arithmetic.
func serialLess(a, b uint32) bool {
	return a != b && int32(b-a) > 0
}

func apexSOA(s *trace.Server, zone string) *dns.SOA {
	q := first(s, trace.PurposeSOA)
	if q == nil || q.Class != trace.ClassAnswer {
		return nil
	}
	for _, rr := range q.Reply.Answer {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			return soa
		}
	}
	return nil
}

func checkNSTTL(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		if v.zone == "." {
			continue
		}
		low := uint32(1 << 31)
		var who string
		for _, s := range v.servers {
			q := first(s, trace.PurposeNS)
			if q == nil || q.Class != trace.ClassAnswer {
				continue
			}
			for _, rr := range q.Reply.Answer {
				if rr.Header().Rrtype == dns.TypeNS && rr.Header().Ttl < low {
					low, who = rr.Header().Ttl, s.Label()
				}
			}
		}
		if who == "" || low >= 60 {
			continue
		}
		out = append(out, Finding{
			ID: "ns-ttl-zero", Severity: Warning, Zone: v.zone, Servers: []string{who},
			Summary:     fmt.Sprintf("the NS records of %s have TTL %d", v.zone, low),
			Explanation: fmt.Sprintf("%s serves the zone's NS RRset with TTL %d s. Resolvers cannot cache the delegation, so they go back to the parent for nearly every lookup: more latency, more load, and a zone that fails the moment the parent is slow.", who, low),
			Fix:         "Give the NS records a TTL of hours to days (3600 to 86400 is usual).",
			Refs:        []string{"RFC 1912 §2.2", "RFC 2181 §8"},
		})
	}
	return out
}

func checkSOATimers(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		if v.zone == "." {
			continue
		}
		var soa *dns.SOA
		var who string
		for _, s := range v.servers {
			if soa = apexSOA(s, v.zone); soa != nil {
				who = s.Label()
				break
			}
		}
		if soa == nil {
			continue
		}
		var bad []string
		if soa.Refresh < 3600 {
			bad = append(bad, fmt.Sprintf("refresh %d s is under an hour", soa.Refresh))
		}
		if soa.Retry >= soa.Refresh {
			bad = append(bad, fmt.Sprintf("retry %d s is not shorter than refresh %d s", soa.Retry, soa.Refresh))
		}
		if soa.Expire < 7*86400 || soa.Expire < soa.Refresh {
			bad = append(bad, fmt.Sprintf("expire %d s is under a week", soa.Expire))
		}
		if soa.Minttl < 300 || soa.Minttl > 86400 {
			bad = append(bad, fmt.Sprintf("minimum (negative caching TTL) %d s is outside 300 s to 1 day", soa.Minttl))
		}
		if len(bad) == 0 {
			continue
		}
		out = append(out, Finding{
			ID: "soa-timers", Severity: Notice, Zone: v.zone, Servers: []string{who},
			Summary:     "SOA timers of " + v.zone + " are out of the usual ranges",
			Explanation: "The SOA served by " + who + " has: " + strings.Join(bad, "; ") + ". Secondaries poll too often or give up too soon, and negative answers are cached too briefly or far too long.",
			Fix:         "Use values like refresh 1-24 h, retry a fraction of refresh, expire 2-4 weeks, minimum 5 min to 1 day.",
			Refs:        []string{"RFC 1912 §2.2", "RFC 2308 §5", "RFC 1537 §3"},
		})
	}
	return out
}

// checkCNAMEs: loops and chains.
func checkCNAMEs(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	loops, chains := map[string]bool{}, map[string]bool{}
	for _, st := range t.Steps {
		for _, r := range st.Results {
			if strings.HasPrefix(r.Why, "CNAME loop") && !loops[st.Zone] {
				loops[st.Zone] = true
				out = append(out, Finding{
					ID: "cname-loop", Severity: Error, Zone: st.Zone, Servers: r.Servers, Steps: []int{st.ID},
					Summary:     "a CNAME chain loops: " + strings.TrimPrefix(r.Why, "CNAME loop: "),
					Explanation: fmt.Sprintf("Following the aliases from %s comes back to a name already seen (%s). Resolvers give up with SERVFAIL after a few hops.", t.Query.Name, strings.TrimPrefix(r.Why, "CNAME loop: ")),
					Fix:         "Point one of the aliases at the real name (an A/AAAA record), breaking the loop.",
					Refs:        []string{"RFC 1034 §3.6.2", "RFC 1912 §2.4"},
				})
			}
		}
	}
	// Chain length over the whole run, from the query name.
	hops := cnameHops(t)
	if len(hops) > 2 && !chains[t.Query.Name] && len(loops) == 0 {
		out = append(out, Finding{
			ID: "cname-chain", Severity: Notice, Zone: zoneOfStep(t, 0), Servers: nil,
			Summary:     fmt.Sprintf("%s goes through %d aliases", t.Query.Name, len(hops)-1),
			Explanation: "The chain is " + strings.Join(hops, " → ") + ". Each alias is another lookup (sometimes in another zone), and some software does not follow long chains.",
			Fix:         "Point the first alias directly at the final name.",
			Refs:        []string{"RFC 1034 §5.2.2", "RFC 1912 §2.4"},
		})
	}
	return out
}

// cnameHops is the alias chain of the query as the trace followed it.
func cnameHops(t *trace.Trace) []string {
	chain := []string{t.Query.Name}
	seen := map[string]bool{t.Query.Name: true}
	for _, st := range t.Steps {
		for _, r := range st.Results {
			if r.Kind != trace.KindAnswer && r.Kind != trace.KindCNAME {
				continue
			}
			for _, rec := range r.Records {
				f := strings.Fields(rec)
				if len(f) >= 5 && f[3] == "CNAME" && !seen[strings.ToLower(f[4])] {
					seen[strings.ToLower(f[4])] = true
					chain = append(chain, strings.ToLower(f[4]))
				}
			}
		}
	}
	return chain
}

func zoneOfStep(t *trace.Trace, lookup int) string {
	zone := ""
	for _, st := range t.Steps {
		if st.Lookup == lookup {
			zone = st.Zone
		}
	}
	return zone
}

func checkMX(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		done := map[string]bool{}
		for _, s := range v.servers {
			for _, q := range queries(s, trace.PurposeMXTarget) {
				if !q.OK() || done[q.Name] {
					continue
				}
				var target string
				for _, rr := range q.Reply.Answer {
					if cn, ok := rr.(*dns.CNAME); ok && strings.EqualFold(cn.Hdr.Name, q.Name) {
						target = cn.Target
					}
				}
				if target == "" {
					continue
				}
				done[q.Name] = true
				out = append(out, Finding{
					ID: "mx-to-cname", Severity: Error, Zone: v.zone, Servers: []string{s.Label()},
					Summary:     "the MX target " + q.Name + " is an alias",
					Explanation: fmt.Sprintf("%s has an MX record pointing to %s, which %s says is a CNAME for %s. MX (and NS, SRV) targets must be canonical names: some mail servers refuse to deliver, others add lookups.", v.zone, q.Name, s.Label(), target),
					Fix:         "Point the MX record at " + target + " (the canonical name) instead.",
					Refs:        []string{"RFC 2181 §10.3", "RFC 5321 §5.1", "RFC 1912 §2.4"},
				})
			}
		}
	}
	return out
}

func checkWildcardMX(t *trace.Trace, zs []*zoneView) []Finding {
	var out []Finding
	for _, v := range zs {
		for _, s := range v.servers {
			q := first(s, trace.PurposeWildcard)
			if q == nil || q.Class != trace.ClassAnswer {
				continue
			}
			out = append(out, Finding{
				ID: "wildcard-mx", Severity: Notice, Zone: v.zone, Servers: []string{s.Label()},
				Summary:     "a wildcard MX covers " + v.zone,
				Explanation: fmt.Sprintf("%s answered an MX query for the made-up name %s with %s. Every name under the zone, even a typo, appears to accept mail, so misaddressed mail is accepted instead of bounced, and names without their own MX still get one.", s.Label(), q.Name, strings.Join(rdataOnly(q.Answer), ", ")),
				Fix:         "Remove the wildcard MX unless it is really meant; give MX records to the names that receive mail.",
				Refs:        []string{"RFC 1537 §7", "RFC 4592 §4"},
			})
			break
		}
	}
	return out
}

func checkNameLooksLikeAddress(t *trace.Trace, zs []*zoneView) []Finding {
	name := strings.TrimSuffix(t.Query.Name, ".")
	a, err := netip.ParseAddr(name)
	if err != nil || !a.Is4() || t.Query.Qtype == dns.TypePTR {
		return nil
	}
	rev, _ := dns.ReverseAddr(name)
	return []Finding{{
		ID: "name-looks-like-address", Severity: Notice, Zone: ".", Servers: nil,
		Summary:     name + " looks like an IPv4 address, not a name",
		Explanation: fmt.Sprintf("The query was for the name %s, which is an IPv4 address written as a domain name; it does not exist in the DNS. A reverse lookup asks for %s PTR instead.", t.Query.Name, rev),
		Fix:         "To find the name of an address, use ddx trace -x " + name + ".",
		Refs:        []string{"RFC 1035 §3.5", "RFC 1912 §2.1"},
	}}
}

// udpWorks reports whether a server answered any query over UDP.
func udpWorks(s *trace.Server) bool {
	for _, q := range s.Queries {
		if q.OK() && q.Transport == "udp" {
			return true
		}
	}
	return false
}

func inHosts(hosts []trace.NSHost, name string) bool {
	for _, h := range hosts {
		if h.Name == name {
			return true
		}
	}
	return false
}
