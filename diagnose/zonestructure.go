package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The structure of a zone's content: one SOA at the apex, singletons
// single, nothing beside a CNAME, nothing outside the zone or hidden
// below a delegation.

var ruleSOAMissing = &Rule{
	ID: "soa-missing", Severity: Error,
	Title: "the zone file has no SOA at its origin",
	Doc: "Every zone starts with an SOA record at its apex. Without it no name server loads the zone: " +
		"it answers SERVFAIL for every name in it, or keeps serving an older copy.",
	Fix:  "Add the SOA record at the zone's apex (@), or check that the file's $ORIGIN (or --origin) is the zone's name.",
	Refs: []string{"RFC 1035 §5.2", "RFC 1034 §4.3.4"},
}

var ruleSOANotApex = &Rule{
	ID: "soa-not-apex", Severity: Error,
	Title: "an SOA record below the zone's apex",
	Doc: "An SOA record sits on a name below the zone's origin, usually a fragment of another zone's file pasted in. " +
		"BIND refuses to load a zone with it.",
	Fix:  "Remove the SOA (and the rest of the pasted zone) or move it to that zone's own file, delegated with NS records.",
	Refs: []string{"RFC 1035 §5.2", "RFC 2181 §6.1"},
}

var ruleSingletonMultiple = &Rule{
	ID: "singleton-multiple", Severity: Error,
	Title: "more than one record of a type that allows one",
	Doc: "A name holds several CNAME, DNAME or SOA records with different data. Only one is allowed: BIND refuses " +
		"the zone, and other servers pick one at random.",
	Fix:  "Keep the one record that is meant and delete the others.",
	Refs: []string{"RFC 2181 §10.1", "RFC 1034 §3.6.2", "RFC 6672 §2.4"},
}

var ruleOutOfZoneData = &Rule{
	ID: "out-of-zone-data", Severity: Warning,
	Title: "a record whose owner is outside the zone",
	Doc: "A record's owner is not at or below the zone's origin. Servers ignore it (or refuse the zone), so what it " +
		"was meant to publish is not published: usually a missing $ORIGIN, or an absolute name with a typo.",
	Fix:  "Move the record to the zone it belongs to, or correct its owner name.",
	Refs: []string{"RFC 1035 §5.2", "RFC 2181 §6"},
}

var ruleOccludedData = &Rule{
	ID: "occluded-data", Severity: Warning,
	Title: "records hidden below a delegation",
	Doc: "Records sit at or below a name delegated to other servers (or below a DNAME), and are not the delegation's " +
		"glue. The zone's servers answer for those names with the referral, so the records are never served: usually a " +
		"host added to the parent after the subzone was delegated. named-checkzone does not report them.",
	Fix:  "Move the records to the delegated zone's own file (on its servers), or delete them here.",
	Refs: []string{"RFC 2181 §6", "RFC 1034 §4.2.1", "RFC 6672 §2.4"},
}

var ruleCNAMEAndOtherData = &Rule{
	ID: "cname-and-other-data", Severity: Error,
	Title: "a name has a CNAME and other records",
	Doc: "A name with a CNAME may hold nothing else (apart from DNSSEC records). Servers refuse the zone, or answer " +
		"with the alias for some types and the other data for others, so resolvers disagree about the name.",
	Fix:  "Keep either the CNAME or the other records. At the zone's apex, where SOA and NS must be, use the target's addresses (or the provider's ALIAS) instead of a CNAME.",
	Refs: []string{"RFC 1034 §3.6.2", "RFC 1912 §2.4", "RFC 2181 §10.1"},
}

func lintSOAMissing(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		p.Report(nil, Finding{
			Summary:     "cannot tell which zone this file is for",
			Explanation: fmt.Sprintf("%s has no SOA record, no $ORIGIN before its first record, and no --origin was given, so ddx cannot tell its apex; no name server loads a zone without an SOA at its apex.", z.File),
			Fix:         "Add the SOA at the zone's apex, and give --origin (or $ORIGIN) with the zone's name.",
		})
		return
	}
	if z.has(z.Origin, dns.TypeSOA) {
		return
	}
	elsewhere := ""
	for _, r := range z.Records {
		if r.RR.Header().Rrtype == dns.TypeSOA {
			elsewhere = fmt.Sprintf(" The file's SOA is at %s (%s), not at the origin: is the origin right?", r.RR.Header().Name, recordAt(&r))
			break
		}
	}
	p.Report(nil, Finding{
		Summary:     "no SOA record at " + z.Origin,
		Explanation: fmt.Sprintf("%s has no SOA record at the zone's apex %s.%s Without it no name server loads the zone: it answers SERVFAIL for every name in it, or keeps serving an older copy.", z.File, z.Origin, elsewhere),
	})
}

func lintSOANotApex(p *ZonePass) {
	z := p.Zone
	for i := range z.Records {
		r := &z.Records[i]
		if r.RR.Header().Rrtype != dns.TypeSOA {
			continue
		}
		n := lowerName(r.RR.Header().Name)
		if n == z.Origin || !z.inZoneLower(n) {
			continue
		}
		p.Report(r, Finding{
			Summary:     "SOA record at " + n + ", below the zone's apex " + z.Origin,
			Explanation: fmt.Sprintf("%s has an SOA record for %s, a name below the apex of %s: usually a fragment of that zone's own file pasted in. BIND refuses to load the zone.", recordAt(r), n, z.Origin),
		})
	}
}

func lintSingletonMultiple(p *ZonePass) {
	z := p.Zone
	for i := range z.owners {
		o := &z.owners[i]
		n := o.name
		if len(o.recs) < 2 {
			continue
		}
		for _, t := range []uint16{dns.TypeCNAME, dns.TypeDNAME, dns.TypeSOA} {
			if t == dns.TypeSOA && n != z.Origin {
				continue // soa-not-apex, or out-of-zone-data
			}
			if z.count(o, t) < 2 {
				continue
			}
			recs := distinctRRs(z.ownerRRs(o, t))
			if len(recs) < 2 {
				continue
			}
			var lines []string
			for _, r := range recs {
				lines = append(lines, recordAt(r))
			}
			p.Report(recs[1], Finding{
				Summary:     fmt.Sprintf("%s has %d %s records", n, len(recs), rrTypeName(t)),
				Explanation: fmt.Sprintf("%s has %d %s records with different data (%s), and a name may have only one. BIND refuses the zone; other servers pick one of them.", n, len(recs), rrTypeName(t), strings.Join(lines, ", ")),
			})
		}
	}
}

// distinct drops records that repeat another's data: servers load a
// repeated record once.
func distinctRRs(recs []*ZoneRecord) []*ZoneRecord {
	var out []*ZoneRecord
	for _, r := range recs {
		if !slices.ContainsFunc(out, func(o *ZoneRecord) bool { return dns.IsDuplicate(o.RR, r.RR) }) {
			out = append(out, r)
		}
	}
	return out
}

func lintCNAMEAndOtherData(p *ZonePass) {
	z := p.Zone
	for i := range z.owners {
		o := &z.owners[i]
		n := o.name
		if len(o.recs) < 2 || z.count(o, dns.TypeCNAME) == 0 {
			continue
		}
		cn := z.ownerRRs(o, dns.TypeCNAME)
		var other []string
		var firstOther *ZoneRecord
		for _, r := range z.records(o) {
			switch t := r.RR.Header().Rrtype; t {
			case dns.TypeCNAME, dns.TypeRRSIG, dns.TypeNSEC:
			default:
				if s := rrTypeName(t); !slices.Contains(other, s) {
					other = append(other, s)
				}
				if firstOther == nil {
					firstOther = r
				}
			}
		}
		if len(other) == 0 {
			continue
		}
		apex := ""
		if n == z.Origin {
			apex = " At the zone's apex, where SOA and NS must be, a CNAME is never allowed."
		}
		p.Report(cn[0], Finding{
			Summary:     fmt.Sprintf("%s has a CNAME and other records (%s)", n, strings.Join(other, ", ")),
			Explanation: fmt.Sprintf("%s makes %s an alias, and the file also gives it %s records (the first at %s). A name with a CNAME may hold nothing else: servers refuse the zone, or answer with the alias for some types and the other data for others.%s", recordAt(cn[0]), n, strings.Join(other, ", "), recordAt(firstOther), apex),
		})
	}
}

func lintOutOfZoneData(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		return
	}
	for i := range z.owners {
		o := &z.owners[i]
		n := o.name
		if z.inZoneLower(n) {
			continue
		}
		var types []string
		var first *ZoneRecord
		for _, r := range z.records(o) {
			t := r.RR.Header().Rrtype
			if (t == dns.TypeA || t == dns.TypeAAAA) && z.nsTo[n] {
				continue // unnecessary-glue
			}
			if first == nil {
				first = r
			}
			if s := rrTypeName(t); !slices.Contains(types, s) {
				types = append(types, s)
			}
		}
		if first == nil {
			continue
		}
		p.Report(first, Finding{
			Summary:     fmt.Sprintf("%s (%s) is outside the zone %s", n, strings.Join(types, ", "), z.Origin),
			Explanation: fmt.Sprintf("%s gives %s records to %s, which is not at or below the zone's origin %s. Servers ignore such records (or refuse the zone), so they are not published: usually a missing or wrong $ORIGIN, or an absolute name with a typo.", recordAt(first), strings.Join(types, ", "), n, z.Origin),
		})
	}
}

func lintOccludedData(p *ZonePass) {
	z := p.Zone
	if len(z.cuts) == 0 && len(z.dnames) == 0 {
		return
	}
	for i := range z.owners {
		o := &z.owners[i]
		n := o.name
		if n == z.Origin || !z.inZoneLower(n) {
			continue
		}
		c := z.cut(n)
		d := z.dnameAbove(n)
		if c == "" && d == "" {
			continue
		}
		var types []string
		var first *ZoneRecord
		for _, r := range z.records(o) {
			t := r.RR.Header().Rrtype
			glue := (t == dns.TypeA || t == dns.TypeAAAA) && z.nsTo[n]
			switch {
			case t == dns.TypeSOA: // soa-not-apex
				continue
			case d == "" && glue:
				continue
			case d == "" && c == n && (t == dns.TypeNS || t == dns.TypeDS || t == dns.TypeNSEC || t == dns.TypeRRSIG):
				continue // what a parent holds at a delegation
			}
			if first == nil {
				first = r
			}
			if s := rrTypeName(t); !slices.Contains(types, s) {
				types = append(types, s)
			}
		}
		if first == nil {
			continue
		}
		var why string
		switch {
		case d != "":
			why = fmt.Sprintf("%s is below %s, which has a DNAME: names below a DNAME are rewritten to its target, so these records are never served", n, d)
		case c == n:
			why = fmt.Sprintf("%s is delegated (it has NS records), so the zone's servers answer a query for it with the referral, never with these records", n)
		default:
			why = fmt.Sprintf("%s is below %s, which is delegated (it has NS records), so the zone's servers answer for it with the referral, and these records are never served; they are not glue (no NS record names %s)", n, c, n)
		}
		p.Report(first, Finding{
			Summary:     fmt.Sprintf("%s (%s) is hidden below a delegation", n, strings.Join(types, ", ")),
			Explanation: fmt.Sprintf("%s: %s. This is usually a host added to the parent after the subzone was delegated; named-checkzone does not report it.", recordAt(first), why),
		})
	}
}
