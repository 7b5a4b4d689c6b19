package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleMissingGlue = &Rule{
	ID: "missing-glue", Severity: Error,
	Title: "in-zone name servers without glue",
	Doc: "The parent delegated the zone to name servers whose names are inside the zone, without their addresses " +
		"(glue). To find such a server a resolver must first ask the zone's own servers: when every name server is " +
		"like this the zone does not resolve (error); otherwise each such name costs a circular lookup (warning).",
	Fix:  "Register the name servers' addresses (glue, or host objects) with the registrar of the zone.",
	Refs: []string{"RFC 1034 §4.2.1", "RFC 9471"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
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
			if len(missing) == 0 {
				continue
			}
			sev := Warning
			why := "Resolvers can still reach the zone through its other servers, but those names cost a circular lookup each."
			if len(v.servers) == 0 || len(missing) == len(st.Delegation.NS) {
				sev = Error
				why = "No server of the zone can be reached without it: to find the address of a server inside the zone, a resolver must first ask that zone's servers. The zone does not resolve."
			}
			p.ReportAt(sev, Finding{
				Zone: v.zone, Servers: missing, Steps: []int{st.ID},
				Summary:     fmt.Sprintf("the delegation of %s has no glue for %s", v.zone, list(missing)),
				Explanation: fmt.Sprintf("%s delegated %s to %s, which are inside the zone, without their addresses (glue). %s", list(st.Delegation.From), v.zone, list(missing), why),
				Fix:         "Register the name servers' addresses (glue / host objects) with the registrar of " + v.zone + ".",
			})
		}
	},
}

var ruleGlueMismatch = &Rule{
	ID: "glue-mismatch", Severity: Error,
	Title: "glue differs from the zone's own address records",
	Doc: "The parent's glue for a name server differs from the A/AAAA records the zone's own servers give for it, " +
		"or the zone has no such records at all (NXDOMAIN or NODATA for the glued name). Notice when the glue is " +
		"right but lacks addresses the zone gives. " +
		"Resolvers use the glue first, so they send queries to the old address: the usual trace of a renumbered " +
		"server whose glue was never updated at the registry.",
	Fix:  "Update the glue (host object) for the name server at the registrar.",
	Refs: []string{"RFC 1912 §2.3", "RFC 2181 §5.4.1"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			if st := referralStep(v); st != nil {
				glueMismatch(p, v, st)
			}
		}
	},
}

func glueMismatch(p *Pass, v *zoneView, st *trace.Step) {
	for _, m := range glueMismatches(p.Trace, v, st) {
		if len(m.stale) == 0 {
			// Every glue address is right; the zone has more. Resolvers
			// use fewer addresses than the zone offers (CONSISTENCY05).
			p.ReportAt(Notice, Finding{
				Zone: v.zone, Servers: append([]string{m.host}, m.who...), Steps: []int{st.ID}, Queries: m.evidence,
				Summary:     fmt.Sprintf("the parent's glue for %s lacks addresses the zone gives (%s)", m.host, list(minus(m.auth, m.glue))),
				Explanation: fmt.Sprintf("%s delegated %s with glue %s %s, and %s also give %s. Resolvers that start from the glue never use the missing addresses until they ask the zone itself.", list(st.Delegation.From), v.zone, m.host, list(m.glue), m.whoSays(v.zone), list(minus(m.auth, m.glue))),
				Fix:         "Add " + list(minus(m.auth, m.glue)) + " to the glue (host object) for " + m.host + " at the registrar.",
			})
			continue
		}
		p.Report(Finding{
			Zone: v.zone, Servers: append([]string{m.host}, m.who...), Steps: []int{st.ID}, Queries: m.evidence,
			Summary:     fmt.Sprintf("the parent's glue for %s (%s) differs from the %s records of %s (%s)", m.host, list(m.glue), dns.TypeToString[m.qtype], m.owner, list(m.auth)),
			Explanation: fmt.Sprintf("%s delegated %s with glue %s %s, but %s say %s.%s Resolvers use the glue first, so they send queries to the old address; this is the usual trace of a renumbered server whose glue was never updated at the registry.", list(st.Delegation.From), v.zone, m.host, list(m.glue), m.whoSays(v.zone), list(m.auth), staleAnswered(v, m.stale)),
			Fix:         "Update the glue (host object) for " + m.host + " at the registrar to " + list(m.auth) + ".",
		})
	}
}

// A glue mismatch: the glue of one family for one name server, and what
// the zone's own servers say.
type mismatch struct {
	host     string
	qtype    uint16
	glue     []string
	auth     []string
	stale    []string // glue addresses the zone does not have
	who      []string
	evidence []int
	owner    string // the zone whose servers gave auth
}

// staleGlue is the set of addresses that only the parent's glue gives:
// what querying them did belongs to glue-mismatch, not to a finding about
// a server the zone no longer has.
func staleGlue(p *Pass, v *zoneView) map[string]bool {
	out := map[string]bool{}
	if st := referralStep(v); st != nil {
		for _, m := range glueMismatches(p.Trace, v, st) {
			for _, a := range m.stale {
				out[a] = true
			}
		}
	}
	return out
}

// staleAnswered says what the stale glue addresses did when asked.
func staleAnswered(v *zoneView, stale []string) string {
	var parts []string
	for _, s := range v.servers {
		if !slices.Contains(stale, s.Address) {
			continue
		}
		if q := first(s, trace.PurposeResolve); q != nil {
			if q.OK() {
				parts = append(parts, fmt.Sprintf("%s answered %s", s.Address, q.Rcode))
			} else {
				parts = append(parts, fmt.Sprintf("%s did not answer (%s)", s.Address, trace.Sanitize(q.Error)))
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " Asked at the old address, " + strings.Join(parts, "; ") + "."
}

func glueMismatches(t *trace.Trace, v *zoneView, st *trace.Step) []mismatch {
	var out []mismatch
	for _, h := range st.Delegation.NS {
		if len(h.Glue) == 0 {
			continue
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			glue := familyAddrs(h.Glue, qt)
			if len(glue) == 0 {
				continue // glue of the other family only: not a mismatch
			}
			auth := map[string]bool{}
			var who []string
			var evidence []int
			owner := v.zone
			if trace.IsSubdomain(v.zone, h.Name) {
				for _, s := range v.servers {
					for _, q := range queries(s, trace.PurposeAddress) {
						if q.Name == h.Name && q.Type == dns.TypeToString[qt] && authAnswer(q) {
							who, evidence = append(who, s.Label()), append(evidence, q.ID)
							addAddrs(auth, q)
						}
					}
				}
			} else {
				// Glue for a name server in a sibling zone: its own
				// servers say (check's sibling-glue lookup).
				owner, who, evidence = siblingAuth(t, h.Name, qt, auth)
			}
			if len(who) == 0 {
				continue
			}
			var authList []string
			for a := range auth {
				authList = append(authList, a)
			}
			sort.Strings(authList)
			if strings.Join(glue, ",") == strings.Join(authList, ",") {
				continue
			}
			var stale []string
			for _, a := range glue {
				if !auth[a] {
					stale = append(stale, a)
				}
			}
			out = append(out, mismatch{host: h.Name, qtype: qt, glue: glue, auth: authList, stale: stale, who: who, evidence: evidence, owner: owner})
		}
	}
	return out
}

var ruleUnnecessaryGlue = &Rule{
	ID: "unnecessary-glue", Severity: Notice,
	Title: "a referral carries addresses from outside the parent zone",
	Doc: "The parent's referral includes address records for names outside the parent zone. Its servers have no " +
		"authority over those names: careful resolvers ignore them, careless ones may cache them, which is how cache " +
		"poisoning works.",
	Fix:  "Remove out-of-zone address records from the parent zone (or stop the server from adding additional data from other zones).",
	Refs: []string{"RFC 2181 §5.4.1", "RFC 1034 §4.2.1"},
	Run: func(p *Pass) {
		for _, v := range p.zones {
			st := referralStep(v)
			if st == nil || st.Delegation.Raw == nil {
				continue
			}
			parent := p.Trace.StepByID(st.Parent)
			if parent == nil {
				continue
			}
			c := trace.Classify(st.Name, st.Qtype, parent.Zone, st.Delegation.Raw)
			if len(c.OutGlue) == 0 {
				continue
			}
			p.Report(Finding{
				Zone: v.zone, Servers: st.Delegation.From, Steps: []int{parent.ID},
				Summary:     fmt.Sprintf("the referral to %s carries addresses from outside %s", v.zone, parent.Zone),
				Explanation: fmt.Sprintf("%s added %s to its referral. The servers of %s have no authority over those names: careful resolvers ignore them, careless ones may cache them, which is how cache poisoning works.", list(st.Delegation.From), list(c.OutGlue), parent.Zone),
				Fix:         "Remove out-of-zone address records from " + parent.Zone + " (or stop the server from adding additional data from other zones).",
			})
		}
	},
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
