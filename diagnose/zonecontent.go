package diagnose

import (
	"strings"

	"github.com/miekg/dns"
)

// A ZoneRecord is one record of a zone's content, with where it came from.
type ZoneRecord struct {
	RR   dns.RR
	File string // the zone file it was read from, or the source of a transfer
	Line int    // its first line in File; 0 when there is none (a transfer)
}

// ZoneContent is the whole content of one zone, as a zone file or a zone
// transfer gives it: every record with where it came from, indexed by
// owner name. The zone-content rules (Lint) read it; it is built by
// ReadZone from a zone file, or by NewZoneContent from records in hand
// (an AXFR).
type ZoneContent struct {
	// Origin is the zone's apex, a lower-case FQDN; "" when it could not be
	// told (no --origin, no $ORIGIN and no SOA).
	Origin string
	// File names where the content came from, for findings about the whole
	// zone: the zone file, or the server a transfer came from.
	File    string
	Records []ZoneRecord
	// Complete is false when reading stopped early (a syntax error): rules
	// that need the whole zone (is there an SOA, a glue record, an address
	// for this target?) do not run on part of it.
	Complete bool
	// Problems are what reading found wrong: zone-syntax findings.
	Problems []ZoneProblem

	names  map[string][]int // lower-case owner → indexes into Records
	order  []string         // owners in the order first seen
	cuts   map[string]bool  // delegation points: owners with NS other than the apex
	dnames map[string]bool  // owners with DNAME
	nsTo   map[string]bool  // every NS target
	ents   map[string]bool  // every ancestor of an owner (built when needed)
}

// A ZoneProblem is something wrong with how the zone is written: a zone-syntax finding.
type ZoneProblem struct {
	File    string
	Line    int
	Message string
	Stopped bool // reading stopped here
}

// NewZoneContent indexes records of the zone whose apex is origin; file
// names their source for findings about the whole zone.
func NewZoneContent(origin, file string, recs []ZoneRecord) *ZoneContent {
	z := &ZoneContent{Origin: strings.ToLower(origin), File: file, Records: recs, Complete: true}
	z.index()
	return z
}

func (z *ZoneContent) index() {
	z.names = map[string][]int{}
	z.order = nil
	z.cuts, z.dnames, z.nsTo = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, r := range z.Records {
		n := lowerName(r.RR.Header().Name)
		if _, ok := z.names[n]; !ok {
			z.order = append(z.order, n)
		}
		z.names[n] = append(z.names[n], i)
		switch rr := r.RR.(type) {
		case *dns.NS:
			z.nsTo[lowerName(rr.Ns)] = true
			if n != z.Origin {
				z.cuts[n] = true
			}
		case *dns.DNAME:
			z.dnames[n] = true
		}
	}
}

// lower is a name's lower-case form; names are compared in it.
func lowerName(name string) string { return strings.ToLower(name) }

// at returns the records owned by name.
func (z *ZoneContent) at(name string) []*ZoneRecord {
	idx := z.names[lowerName(name)]
	out := make([]*ZoneRecord, len(idx))
	for i, j := range idx {
		out[i] = &z.Records[j]
	}
	return out
}

// rrs returns the records of one type owned by name.
func (z *ZoneContent) rrs(name string, t uint16) []*ZoneRecord {
	var out []*ZoneRecord
	for _, j := range z.names[lowerName(name)] {
		if z.Records[j].RR.Header().Rrtype == t {
			out = append(out, &z.Records[j])
		}
	}
	return out
}

func (z *ZoneContent) has(name string, t uint16) bool {
	for _, j := range z.names[lowerName(name)] {
		if z.Records[j].RR.Header().Rrtype == t {
			return true
		}
	}
	return false
}

// exists reports whether name owns records or has records below it, as
// far as the loaded content shows (an empty non-terminal exists).
func (z *ZoneContent) exists(name string) bool {
	name = lowerName(name)
	if _, ok := z.names[name]; ok {
		return true
	}
	if z.ents == nil {
		z.ents = map[string]bool{}
		for _, n := range z.order {
			idx := dns.Split(n)
			for _, off := range idx[1:] {
				if z.ents[n[off:]] {
					break
				}
				z.ents[n[off:]] = true
			}
		}
	}
	return z.ents[name]
}

func (z *ZoneContent) hasAddress(name string) bool {
	return z.has(name, dns.TypeA) || z.has(name, dns.TypeAAAA)
}

// inZone reports whether name is at or below the apex.
func (z *ZoneContent) inZone(name string) bool {
	return z.Origin != "" && dns.IsSubDomain(z.Origin, lowerName(name))
}

// cut returns the delegation point at or above name (below the apex), or
// "" when name is in the zone's own authoritative data.
func (z *ZoneContent) cut(name string) string {
	return z.above(name, z.cuts, true)
}

// dnameAbove returns the DNAME owner strictly above name, or "".
func (z *ZoneContent) dnameAbove(name string) string {
	return z.above(name, z.dnames, false)
}

// above walks from name up to the apex (excluded) and returns the first
// name in set; self says whether name itself counts.
func (z *ZoneContent) above(name string, set map[string]bool, self bool) string {
	if len(set) == 0 || !z.inZone(name) {
		return ""
	}
	name = lowerName(name)
	idx := dns.Split(name)
	for i, off := range idx {
		n := name[off:]
		if n == z.Origin || len(n) <= len(z.Origin) {
			break
		}
		if (i > 0 || self) && set[n] {
			return n
		}
	}
	return ""
}

// authoritative reports whether name is data the zone serves itself: at
// or below the apex, not at or below a delegation.
func (z *ZoneContent) authoritative(name string) bool {
	return z.inZone(name) && z.cut(name) == ""
}

// relativeTo returns name without the suffix origin, and whether name was
// below origin.
func zoneRelative(name, origin string) (string, bool) {
	name, origin = lowerName(name), lowerName(origin)
	if origin == "." {
		return strings.TrimSuffix(name, "."), name != "."
	}
	rel, ok := strings.CutSuffix(name, "."+origin)
	return rel, ok
}
