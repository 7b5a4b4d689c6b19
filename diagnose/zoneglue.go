package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The zone's NS sets and its delegations, read from its content: how many
// name servers, and the glue a delegation needs or does not.

// nsSets returns the names with NS records, the apex first, then the
// delegations in the order of the file.
func (z *ZoneContent) nsSets() []string { return z.nsSetList }

func (z *ZoneContent) findNSSets() []string {
	var out []string
	if z.Origin != "" && z.has(z.Origin, dns.TypeNS) {
		out = append(out, z.Origin)
	}
	for _, o := range z.owners {
		if z.cuts[o.name] && z.inZoneLower(o.name) && z.dnameAbove(o.name) == "" {
			out = append(out, o.name)
		}
	}
	return out
}

func zoneNSTargets(recs []*ZoneRecord) []string {
	var out []string
	for _, r := range recs {
		if n := lowerName(r.RR.(*dns.NS).Ns); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// tooFewNS: the apex or a delegation in the file with fewer than two name
// servers (none at all counts).
func lintTooFewNS(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		return
	}
	if !z.has(z.Origin, dns.TypeNS) {
		p.Report(nil, Finding{
			Summary:     z.Origin + " has no NS records",
			Explanation: fmt.Sprintf("%s has no NS records at the zone's apex %s. Every zone lists its name servers at its apex: without them servers refuse the zone (BIND) and resolvers that ask the zone for its NS set get nothing.", z.File, z.Origin),
			Fix:         "Add NS records for at least two name servers, on different networks, at the zone's apex.",
		})
	}
	for _, n := range z.nsSets() {
		recs := z.rrs(n, dns.TypeNS)
		names := zoneNSTargets(recs)
		if len(names) >= 2 {
			continue
		}
		what := "The zone lists"
		if n != z.Origin {
			what = "The delegation of " + n + " in this zone lists"
		}
		p.Report(recs[0], Finding{
			Servers:     names,
			Summary:     fmt.Sprintf("%s has only one name server", n),
			Explanation: fmt.Sprintf("%s: %s only %s. With a single server, one outage or one network problem makes the whole zone unresolvable.", recordAt(recs[0]), what, names[0]),
		})
	}
}

// missingGlue: a delegation in the file whose in-bailiwick name servers
// have no address records (glue) in the file.
func lintMissingGlue(p *ZonePass) {
	z := p.Zone
	for _, n := range z.nsSets() {
		if n == z.Origin {
			continue
		}
		recs := z.rrs(n, dns.TypeNS)
		names := zoneNSTargets(recs)
		var missing []string
		for _, t := range names {
			if dns.IsSubDomain(n, t) && !z.hasAddress(t) {
				missing = append(missing, t)
			}
		}
		if len(missing) == 0 {
			continue
		}
		sev := Warning
		why := "Resolvers can still reach the delegation's other servers, but every lookup through these ones fails, and the delegation is one server weaker than it looks."
		if len(missing) == len(names) {
			sev = Error
			why = "No server of the delegation can be reached: to find their addresses a resolver must ask the servers themselves. The subzone does not resolve."
		}
		p.ReportAt(sev, recs[0], Finding{
			Zone:        z.Origin,
			Servers:     missing,
			Summary:     fmt.Sprintf("the delegation of %s has no glue for %s", n, strings.Join(missing, ", ")),
			Explanation: fmt.Sprintf("%s delegates %s to %s, which %s inside the delegated zone, but the file has no A or AAAA record (glue) for %s. %s", recordAt(recs[0]), n, strings.Join(missing, ", "), zoneIsAre(len(missing)), zoneThemIt(len(missing)), why),
			Fix:         fmt.Sprintf("Add A (and AAAA) records for %s to this zone, with the addresses of the servers.", strings.Join(missing, ", ")),
		})
	}
}

func zoneIsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func zoneThemIt(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// unnecessaryGlue: address records for a name server outside the zone.
func lintUnnecessaryGlue(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		return
	}
	for _, o := range z.owners {
		n := o.name
		if !z.nsTo[n] || z.inZoneLower(n) || !z.hasAddress(n) {
			continue
		}
		first := z.rrs(n, dns.TypeA)
		if len(first) == 0 {
			first = z.rrs(n, dns.TypeAAAA)
		}
		p.Report(first[0], Finding{
			Servers:     []string{n},
			Summary:     fmt.Sprintf("glue for %s, outside the zone %s", n, z.Origin),
			Explanation: fmt.Sprintf("%s gives an address to the name server %s, which is outside the zone %s. Servers do not serve it (careful resolvers ignore it; careless ones can be poisoned by such records), and it goes stale unnoticed when the server is renumbered (RFC 1537 §2).", recordAt(first[0]), n, z.Origin),
			Fix:         fmt.Sprintf("Delete the address records of %s from this zone: they belong to the zone of %s.", n, n),
		})
	}
}
