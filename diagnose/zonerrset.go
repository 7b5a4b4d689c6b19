package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// RRsets and the SOA in the zone's content: TTLs within a set, the SOA's
// timers, a wildcard MX.

var ruleRRsetTTLMismatch = &Rule{
	ID: "rrset-ttl-mismatch", Severity: Notice,
	Title: "records of one RRset have different TTLs",
	Doc: "Records with the same name, class and type form one RRset, which has one TTL (RFC 2181 §5.2). Servers " +
		"load them with the lowest or the first TTL, or refuse them; caches may expire part of the set.",
	Fix:  "Give every record of the set the same TTL.",
	Refs: []string{"RFC 2181 §5.2"},
}

type rrsetKey struct {
	name         string
	class, rtype uint16
	covered      uint16 // for RRSIG: the type it signs
}

func lintRRsetTTLMismatch(p *ZonePass) {
	z := p.Zone
	for i := range z.owners {
		o := &z.owners[i]
		if len(o.recs) < 2 || !ttlsDiffer(z, o) {
			continue
		}
		sets := map[rrsetKey][]*ZoneRecord{}
		var keys []rrsetKey
		for _, r := range z.records(o) {
			k := keyOf(o.name, r.RR)
			if _, ok := sets[k]; !ok {
				keys = append(keys, k)
			}
			sets[k] = append(sets[k], r)
		}
		ttlMismatch(p, sets, keys)
	}
}

func keyOf(name string, rr dns.RR) rrsetKey {
	h := rr.Header()
	k := rrsetKey{name: name, class: h.Class, rtype: h.Rrtype}
	if sig, ok := rr.(*dns.RRSIG); ok {
		k.covered = sig.TypeCovered
	}
	return k
}

// ttlsDiffer reports whether two records of one of o's RRsets have
// different TTLs, without allocating: most owners have a few records, and
// a million-record zone has hundreds of thousands of them. An owner with
// many records is left to the full check (this one is quadratic).
func ttlsDiffer(z *ZoneContent, o *zoneOwner) bool {
	if len(o.recs) > 16 {
		return true
	}
	for i, a := range o.recs {
		ra := z.Records[a].RR
		ka := keyOf(o.name, ra)
		for _, b := range o.recs[i+1:] {
			rb := z.Records[b].RR
			if rb.Header().Ttl != ra.Header().Ttl && keyOf(o.name, rb) == ka {
				return true
			}
		}
	}
	return false
}

func ttlMismatch(p *ZonePass, sets map[rrsetKey][]*ZoneRecord, keys []rrsetKey) {
	for _, k := range keys {
		recs := sets[k]
		var ttls []string
		var lines []string
		for _, r := range recs {
			if s := fmt.Sprint(r.RR.Header().Ttl); !slices.Contains(ttls, s) {
				ttls = append(ttls, s)
			}
			lines = append(lines, fmt.Sprintf("%d at %s", r.RR.Header().Ttl, recordAt(r)))
		}
		if len(ttls) < 2 {
			continue
		}
		if len(lines) > 6 {
			lines = append(lines[:6], fmt.Sprintf("and %d more", len(lines)-6))
		}
		p.Report(recs[0], Finding{
			Summary:     fmt.Sprintf("the %s records of %s have different TTLs (%s)", rrTypeName(k.rtype), k.name, strings.Join(ttls, ", ")),
			Explanation: fmt.Sprintf("The %s RRset of %s has records with different TTLs: %s. An RRset has one TTL (RFC 2181 §5.2): servers load it with the lowest or the first, or refuse it, and caches may expire part of the set.", rrTypeName(k.rtype), k.name, strings.Join(lines, ", ")),
		})
	}
}

// soaTimers reads the apex SOA's timers.
func lintSOATimers(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		return
	}
	soas := z.rrs(z.Origin, dns.TypeSOA)
	if len(soas) == 0 {
		return
	}
	if bad := soaTimerProblems(soas[0].RR.(*dns.SOA)); len(bad) > 0 {
		p.Report(soas[0], Finding{
			Summary:     "SOA timers of " + z.Origin + " are out of the usual ranges",
			Explanation: recordAt(soas[0]) + ": the SOA has " + strings.Join(bad, "; ") + ". Secondaries poll too often or give up too soon, and negative answers are cached too briefly or far too long.",
		})
	}
}

// wildcardMX: an MX on the wildcard at the zone's apex.
func lintWildcardMX(p *ZonePass) {
	z := p.Zone
	if z.Origin == "" {
		return
	}
	wild := "*." + z.Origin
	if z.Origin == "." {
		wild = "*."
	}
	mx := z.rrs(wild, dns.TypeMX)
	if len(mx) == 0 {
		return
	}
	p.Report(mx[0], Finding{
		Summary:     "a wildcard MX covers " + z.Origin,
		Explanation: fmt.Sprintf("%s gives %s an MX record. Every name under the zone that has no records of its own, even a typo, appears to accept mail, so misaddressed mail is accepted instead of bounced; and names that do have records are not covered, which surprises (RFC 1537 §7).", recordAt(mx[0]), wild),
	})
}
