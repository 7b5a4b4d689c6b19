package diagnose

import (
	"strings"
	"sync"

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

	owners []zoneOwner     // every owner name, in the order first seen
	byName map[string]int  // lower-case owner → index into owners
	cuts   map[string]bool // delegation points: owners with NS other than the apex
	dnames map[string]bool // owners with DNAME
	nsTo   map[string]bool // every NS target
	ents   map[string]bool // every ancestor of an owner (built when needed)
	// The names with NS records, the apex first (built when needed).
	nsSetList []string
	entsOnce  sync.Once
	// Every record's target, lower-cased (built when needed).
	targetList  []zoneTarget
	targetsOnce sync.Once
}

// A ZoneProblem is something wrong with how the zone is written: a zone-syntax finding.
type ZoneProblem struct {
	File    string
	Line    int
	Message string
	Stopped bool // reading stopped here
}

// A zoneOwner is one owner name and its records.
type zoneOwner struct {
	name string  // lower case
	recs []int32 // indexes into Records
}

// NewZoneContent indexes records of the zone whose apex is origin; file
// names their source for findings about the whole zone.
func NewZoneContent(origin, file string, recs []ZoneRecord) *ZoneContent {
	z := &ZoneContent{Origin: strings.ToLower(origin), File: file, Records: recs, Complete: true}
	z.index()
	return z
}

func (z *ZoneContent) index() {
	x := z.indexStart()
	for i := range z.Records {
		z.indexAdd(x, i)
	}
	z.indexFinish(x)
}

// An indexer builds the index record by record, while they are read.
type indexer struct {
	ownerOf, count []int32
	nsOwners       []string // owners of NS records: cuts, once the origin is known
}

func (z *ZoneContent) indexStart() *indexer {
	// ReadZone calls this with no records yet, but room for those it expects.
	n := max(len(z.Records), cap(z.Records))
	z.byName = make(map[string]int, n/2)
	z.owners = make([]zoneOwner, 0, n/2)
	z.cuts, z.dnames, z.nsTo = map[string]bool{}, map[string]bool{}, map[string]bool{}
	return &indexer{ownerOf: make([]int32, 0, n), count: make([]int32, 0, n/2)}
}

// indexAdd indexes z.Records[i], the records before it indexed.
func (z *ZoneContent) indexAdd(x *indexer, i int) {
	r := &z.Records[i]
	h := r.RR.Header()
	n := lowerName(h.Name)
	o, ok := z.byName[n]
	if !ok {
		o = len(z.owners)
		z.byName[n] = o
		z.owners = append(z.owners, zoneOwner{name: n})
		x.count = append(x.count, 0)
	} else if h.Name == z.owners[o].name {
		// The parser gives every record its own copy of its owner name:
		// records of one owner written alike share the first one's.
		h.Name = z.owners[o].name
	}
	x.ownerOf = append(x.ownerOf, int32(o))
	x.count[o]++
	switch rr := r.RR.(type) {
	case *dns.NS:
		z.nsTo[lowerName(rr.Ns)] = true
		if k := len(x.nsOwners); k == 0 || x.nsOwners[k-1] != n {
			x.nsOwners = append(x.nsOwners, n)
		}
	case *dns.DNAME:
		z.dnames[n] = true
	}
}

// indexFinish completes the index once every record is in and the origin
// is known.
func (z *ZoneContent) indexFinish(x *indexer) {
	for _, n := range x.nsOwners {
		if n != z.Origin {
			z.cuts[n] = true
		}
	}
	// Every owner's record list is a window on one array rather than an
	// allocation of its own.
	all := make([]int32, 0, len(z.Records))
	for o := range z.owners {
		z.owners[o].recs = all[len(all) : len(all) : len(all)+int(x.count[o])]
		all = all[:len(all)+int(x.count[o])]
	}
	for i, o := range x.ownerOf {
		z.owners[o].recs = append(z.owners[o].recs, int32(i))
	}
	z.nsSetList = z.findNSSets()
}

// lowerName is a name's lower-case form; names are compared in it.
func lowerName(name string) string { return strings.ToLower(name) }

// records returns the records of one owner.
func (z *ZoneContent) records(o *zoneOwner) []*ZoneRecord {
	out := make([]*ZoneRecord, len(o.recs))
	for i, j := range o.recs {
		out[i] = &z.Records[j]
	}
	return out
}

// ownerRRs returns the records of one type of one owner.
func (z *ZoneContent) ownerRRs(o *zoneOwner, t uint16) []*ZoneRecord {
	var out []*ZoneRecord
	for _, j := range o.recs {
		if z.Records[j].RR.Header().Rrtype == t {
			out = append(out, &z.Records[j])
		}
	}
	return out
}

// count is how many records of type t an owner has.
func (z *ZoneContent) count(o *zoneOwner, t uint16) int {
	n := 0
	for _, j := range o.recs {
		if z.Records[j].RR.Header().Rrtype == t {
			n++
		}
	}
	return n
}

func (z *ZoneContent) owner(name string) *zoneOwner {
	if i, ok := z.byName[lowerName(name)]; ok {
		return &z.owners[i]
	}
	return nil
}

// rrs returns the records of one type owned by name.
func (z *ZoneContent) rrs(name string, t uint16) []*ZoneRecord {
	if o := z.owner(name); o != nil {
		return z.ownerRRs(o, t)
	}
	return nil
}

func (z *ZoneContent) has(name string, t uint16) bool {
	o := z.owner(name)
	return o != nil && z.count(o, t) > 0
}

// exists reports whether name owns records or has records below it, as
// far as the loaded content shows (an empty non-terminal exists).
func (z *ZoneContent) exists(name string) bool {
	name = lowerName(name)
	if _, ok := z.byName[name]; ok {
		return true
	}
	z.entsOnce.Do(func() {
		z.ents = map[string]bool{}
		for _, o := range z.owners {
			for n, ok := parentName(o.name); ok && !z.ents[n]; n, ok = parentName(n) {
				z.ents[n] = true
			}
		}
	})
	return z.ents[name]
}

func (z *ZoneContent) hasAddress(name string) bool {
	o := z.owner(name)
	return o != nil && (z.count(o, dns.TypeA) > 0 || z.count(o, dns.TypeAAAA) > 0)
}

// parentName is name without its first label ("." has none).
func parentName(name string) (string, bool) {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '\\':
			i++ // the escaped character
		case '.':
			if i == len(name)-1 {
				return ".", name != "."
			}
			return name[i+1:], true
		}
	}
	return "", false
}

// isSubName reports whether name is at or below parent, both lower case.
func isSubName(parent, name string) bool {
	if parent == "." || name == parent {
		return true
	}
	if !hasDotSuffix(name, parent) {
		return false
	}
	// The dot before parent must not be escaped (a\.example.com. is under com.).
	bs := 0
	for i := len(name) - len(parent) - 2; i >= 0 && name[i] == '\\'; i-- {
		bs++
	}
	return bs%2 == 0
}

// inZone reports whether name is at or below the apex.
func (z *ZoneContent) inZone(name string) bool {
	return z.inZoneLower(lowerName(name))
}

// inZoneLower is inZone for a name already in lower case (an owner's, a
// target's), which need not be lowered again.
func (z *ZoneContent) inZoneLower(name string) bool {
	return z.Origin != "" && isSubName(z.Origin, name)
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
	if len(set) == 0 {
		return ""
	}
	lower := lowerName(name)
	if !z.inZoneLower(lower) {
		return ""
	}
	n := lower
	if !self {
		n, _ = parentName(n)
	}
	for ; len(n) > len(z.Origin); n, _ = parentName(n) {
		if set[n] {
			return n
		}
	}
	// A DNAME at the apex hides every name below it (RFC 6672 §2.4); NS
	// records at the apex are the zone's own, no delegation.
	if !self && n == z.Origin && lower != z.Origin && set[n] {
		return n
	}
	return ""
}

// authoritative reports whether name is data the zone serves itself: at
// or below the apex, not at or below a delegation.
func (z *ZoneContent) authoritative(name string) bool {
	return z.inZone(name) && z.cut(name) == ""
}

// zoneRelativeLower returns name without the suffix origin, and whether
// name was below origin; both are in lower case.
func zoneRelativeLower(name, origin string) (string, bool) {
	if origin == "." {
		return strings.TrimSuffix(name, "."), name != "."
	}
	if !hasDotSuffix(name, origin) {
		return name, false
	}
	return name[:len(name)-len(origin)-1], true
}

// hasDotSuffix is strings.HasSuffix(name, "."+suffix), without building
// the string: it runs for every record of a zone.
func hasDotSuffix(name, suffix string) bool {
	return len(name) > len(suffix) && name[len(name)-len(suffix)-1] == '.' && strings.HasSuffix(name, suffix)
}
