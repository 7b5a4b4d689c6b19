package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Security is the DNSSEC validation state of a trace's answer, as a
// validating resolver would find it (RFC 4033 §5).
type Security string

// Validation states.
const (
	Secure        Security = "secure"
	Insecure      Security = "insecure"
	Bogus         Security = "bogus"
	Indeterminate Security = "indeterminate"
)

// A dnsIssue is one reason a server's chain of trust breaks, or a notice
// about it: a finding ID, the server, and the evidence.
type dnsIssue struct {
	id      string
	zone    string // the zone whose data it is
	server  string
	detail  string
	queries []int
	expires uint32 // rrsig-expiring: when
}

// zoneSec is the validation of one zone of the trace, over every server.
type zoneSec struct {
	v      *zoneView
	parent *zoneSec
	state  Security
	why    string // what made it insecure, bogus or indeterminate
	// ds are the DS records the parent publishes (validated), and dsQs
	// the queries that brought them.
	ds       []*dns.DS
	dsQs     []int
	noDS     bool // a parent server answered that there is no DS
	anchored bool // a trust point: ds are the trust anchors
	keys     []*dns.DNSKEY
	bad      map[string][]dnsIssue // server label → what breaks its chain
	good     []string              // servers whose chain validates
	issues   []dnsIssue            // every issue, in order
	signed   []string              // servers that serve a DNSKEY RRset
	notSign  []string              // servers that answer the DNSKEY query without one
	dnskeyQ  []int
	algs     map[string][]string // deprecated algorithm → where
}

// dnssecAnalysis is the validation of a whole trace.
type dnssecAnalysis struct {
	cfg   *trace.DNSSECConfig
	now   int64
	zones map[string]*zoneSec
	order []*zoneSec
}

// The rules of one diagnosis, and the security of its report, read one
// validation: it is kept per trace, with the trace's size, so that a
// trace that grew since (a live run) is validated again.
type dnssecKey struct {
	t              *trace.Trace
	steps, queries int
}

var (
	dnssecMu    sync.Mutex
	dnssecCache = map[dnssecKey]*dnssecAnalysis{}
)

// dnssecOf validates the pass's trace once per diagnosis: every DNSSEC
// rule reads the same analysis.
func dnssecOf(p *Pass) *dnssecAnalysis { return analysisOf(p.Trace, p.zones) }

func analysisOf(t *trace.Trace, zs []*zoneView) *dnssecAnalysis {
	key := dnssecKey{t: t, steps: len(t.Steps)}
	for _, st := range t.Steps {
		for _, s := range st.Servers {
			key.queries += len(s.Queries)
		}
	}
	dnssecMu.Lock()
	a := dnssecCache[key]
	dnssecMu.Unlock()
	if a != nil {
		return a
	}
	a = validate(t, zs)
	dnssecMu.Lock()
	if len(dnssecCache) >= 8 {
		clear(dnssecCache)
	}
	dnssecCache[key] = a
	dnssecMu.Unlock()
	return a
}

// validate walks the zones of the trace from the root down, each from
// the trust anchors or its parent's keys: DS at the parent, DNSKEY at
// every server of the zone, RRSIGs on every RRset each server answered.
func validate(t *trace.Trace, zs []*zoneView) *dnssecAnalysis {
	a := &dnssecAnalysis{cfg: t.Config.DNSSEC, zones: map[string]*zoneSec{}}
	if a.cfg == nil {
		return a
	}
	a.now = a.cfg.Time
	byZone := map[string]*zoneView{}
	for _, v := range zs {
		byZone[v.zone] = v
	}
	sorted := append([]*zoneView(nil), zs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return dns.CountLabel(sorted[i].zone) < dns.CountLabel(sorted[j].zone)
	})
	for _, v := range sorted {
		z := &zoneSec{v: v, bad: map[string][]dnsIssue{}, algs: map[string][]string{}}
		for _, p := range v.parents {
			if ps := a.zones[p.Zone]; ps != nil && p.Zone != v.zone {
				z.parent = ps
				break
			}
		}
		a.zones[v.zone] = z
		a.order = append(a.order, z)
		a.validateZone(z)
	}
	return a
}

func (a *dnssecAnalysis) validateZone(z *zoneSec) {
	zone := z.v.zone
	a.collectKeys(z)
	switch {
	case len(a.anchors(zone)) > 0:
		// A trust point: validated from its anchors, whatever is above.
		z.ds, z.anchored = a.anchors(zone), true
	case zone == ".":
		z.state, z.why = Indeterminate, "no trust anchor for the root"
		return
	case z.parent == nil:
		z.state, z.why = Indeterminate, "the trace did not reach "+zone+" through its parent"
		return
	case z.parent.state != Secure:
		z.state, z.why = z.parent.state, z.parent.why
		if z.parent.state == Insecure {
			z.why = "its parent " + z.parent.v.zone + " is insecure"
		}
		return
	default:
		a.collectDS(z)
		if len(z.ds) == 0 {
			if z.noDS {
				z.state, z.why = Insecure, "the parent "+z.parent.v.zone+" proves there is no DS for "+zone
			} else {
				z.state, z.why = Indeterminate, "no parent server answered the DS query for "+zone
			}
			return
		}
	}
	if !anySupported(z.ds) {
		z.state, z.why = Insecure, "no DS record of "+zone+" uses an algorithm and digest this validator supports"
		return
	}
	answered := 0
	for _, s := range z.v.servers {
		q := first(s, trace.PurposeDNSKEY)
		if q == nil || !withDO(q) {
			continue
		}
		answered++
		keys, ok := a.serverKeys(z, s, q)
		if !ok {
			continue
		}
		a.checkRRsets(z, s, keys)
		if len(z.bad[s.Label()]) == 0 {
			z.good = append(z.good, s.Label())
			z.keys = appendKeys(z.keys, keys)
		}
	}
	switch {
	case answered == 0:
		z.state, z.why = Indeterminate, "no server of "+zone+" answered the DNSKEY query"
	case len(z.good) == 0:
		z.state = Bogus
		z.why = z.issues[0].detail
	default:
		z.state = Secure
	}
}

// anchors are the trust anchors for zone, as DS records.
func (a *dnssecAnalysis) anchors(zone string) []*dns.DS {
	var out []*dns.DS
	for _, s := range a.cfg.Anchors {
		rr, err := dns.NewRR(s)
		if err != nil || !strings.EqualFold(rr.Header().Name, zone) {
			continue
		}
		switch x := rr.(type) {
		case *dns.DS:
			out = append(out, x)
		case *dns.DNSKEY:
			if ds := x.ToDS(dns.SHA256); ds != nil {
				out = append(out, ds)
			}
		}
	}
	return out
}

// collectKeys notes which servers serve a DNSKEY RRset and the
// deprecated algorithms of the zone's keys and DS records.
func (a *dnssecAnalysis) collectKeys(z *zoneSec) {
	for _, s := range z.v.servers {
		q := first(s, trace.PurposeDNSKEY)
		if q == nil || !withDO(q) || q.Reply.Rcode != dns.RcodeSuccess {
			continue
		}
		z.dnskeyQ = append(z.dnskeyQ, q.ID)
		keys := dnskeys(q.Reply.Answer, z.v.zone)
		if len(keys) == 0 {
			z.notSign = append(z.notSign, s.Label())
			continue
		}
		z.signed = append(z.signed, s.Label())
		for _, k := range keys {
			if deprecatedAlg[k.Algorithm] {
				z.algs["DNSKEY algorithm "+algName(k.Algorithm)] = appendOnce(z.algs["DNSKEY algorithm "+algName(k.Algorithm)], s.Label())
			}
		}
	}
}

// collectDS gathers the DS RRset from every parent server that was asked,
// keeping the records whose signature validates with the parent's keys.
func (a *dnssecAnalysis) collectDS(z *zoneSec) {
	p := z.parent
	for _, st := range p.v.steps {
		for _, s := range st.Servers {
			for _, q := range queries(s, trace.PurposeDS) {
				if !strings.EqualFold(q.Name, z.v.zone) || !withDO(q) {
					continue
				}
				switch q.Class {
				case trace.ClassNoData:
					z.noDS = true
				case trace.ClassAnswer:
					var set []*dns.DS
					for _, rr := range q.Reply.Answer {
						if ds, ok := rr.(*dns.DS); ok && strings.EqualFold(ds.Hdr.Name, z.v.zone) {
							set = append(set, ds)
						}
					}
					if !contains(p.good, s.Label()) {
						continue // that server's chain is already broken
					}
					z.dsQs = append(z.dsQs, q.ID)
					for _, ds := range set {
						if deprecatedDigest[ds.DigestType] {
							name := "DS digest type " + digestName(ds.DigestType)
							z.algs[name] = appendOnce(z.algs[name], s.Label())
						}
						if deprecatedAlg[ds.Algorithm] {
							name := "DS algorithm " + algName(ds.Algorithm)
							z.algs[name] = appendOnce(z.algs[name], s.Label())
						}
						if !containsDS(z.ds, ds) {
							z.ds = append(z.ds, ds)
						}
					}
				}
			}
		}
	}
}

// serverKeys checks one server's DNSKEY RRset against the DS records: a
// key must match one, and sign the RRset. It returns the zone's keys as
// that server serves them when they validate.
func (a *dnssecAnalysis) serverKeys(z *zoneSec, s *trace.Server, q *trace.Query) ([]*dns.DNSKEY, bool) {
	zone := z.v.zone
	keys := dnskeys(q.Reply.Answer, zone)
	label := s.Label()
	if len(keys) == 0 {
		z.add(dnsIssue{id: "ds-for-unsigned-zone", zone: zone, server: label, queries: []int{q.ID},
			detail: label + " serves no DNSKEY for " + zone + " although " + dsWhere(z) + " publishes DS " + dsList(z.ds)})
		return nil, false
	}
	var matched []*dns.DNSKEY
	for _, k := range keys {
		for _, ds := range z.ds {
			if dsMatches(k, ds) {
				matched = append(matched, k)
				break
			}
		}
	}
	if len(matched) == 0 {
		z.add(dnsIssue{id: "ds-mismatch", zone: zone, server: label, queries: append([]int{q.ID}, z.dsQs...),
			detail: fmt.Sprintf("%s publishes DS %s for %s, but %s serves DNSKEY %s: no key matches", dsWhere(z), dsList(z.ds), zone, label, keyList(keys))})
		return nil, false
	}
	rrset := rrsetOf(q.Reply.Answer, zone, dns.TypeDNSKEY)
	sigs := sigsOf(q.Reply.Answer, zone, dns.TypeDNSKEY)
	var bySep []*dns.RRSIG
	for _, sig := range sigs {
		for _, k := range matched {
			if sig.KeyTag == k.KeyTag() && sig.Algorithm == k.Algorithm {
				bySep = append(bySep, sig)
			}
		}
	}
	if len(bySep) == 0 {
		z.add(dnsIssue{id: "dnskey-not-signed-by-ds", zone: zone, server: label, queries: []int{q.ID},
			detail: fmt.Sprintf("%s serves the DNSKEY RRset of %s signed by %s, but not by key %s, the one the DS matches", label, zone, sigList(sigs), keyList(matched))})
		return nil, false
	}
	if iss, ok := a.verify(zone, label, q.ID, "the DNSKEY RRset of "+zone, rrset, bySep, matched); !ok || iss.id != "" {
		z.add(iss)
		if !ok {
			return nil, false
		}
	}
	return keys, true
}

// checkRRsets verifies every RRset of the zone that the server answered
// (the traced name, SOA, NS, addresses, DS of its children) and the
// NSEC proofs of its negative answers.
func (a *dnssecAnalysis) checkRRsets(z *zoneSec, s *trace.Server, keys []*dns.DNSKEY) {
	zone, label := z.v.zone, s.Label()
	for _, q := range s.Queries {
		if !withDO(q) || q.Trimmed > 0 || q.Purpose == trace.PurposeDNSKEY || q.Purpose == trace.PurposeRecursion || q.Purpose == trace.PurposeTCP {
			continue // a trimmed reply lacks records its signatures cover
		}
		switch q.Class {
		case trace.ClassAnswer, trace.ClassCNAME:
			for _, set := range rrsets(q.Reply.Answer, zone) {
				a.checkSet(z, label, q, set, keys)
			}
		case trace.ClassNoData, trace.ClassNXDomain:
			for _, set := range rrsets(q.Reply.Ns, zone) {
				if set[0].Header().Rrtype == dns.TypeSOA {
					a.checkSet(z, label, q, set, keys)
				}
			}
			a.checkDenial(z, label, q, keys)
		}
	}
}

func (a *dnssecAnalysis) checkSet(z *zoneSec, label string, q *trace.Query, set []dns.RR, keys []*dns.DNSKEY) {
	h := set[0].Header()
	what := strings.ToLower(h.Name) + " " + dns.TypeToString[h.Rrtype]
	sec := q.Reply.Answer
	if q.Class == trace.ClassNoData || q.Class == trace.ClassNXDomain {
		sec = q.Reply.Ns
	}
	sigs := sigsOf(sec, h.Name, h.Rrtype)
	if h.Rrtype == dns.TypeCNAME && len(sigs) == 0 && hasDNAME(sec, h.Name) {
		return // synthesized from a DNAME, whose signature covers it (RFC 6672 §5.3.1)
	}
	var own []*dns.RRSIG
	below := false
	for _, sig := range sigs {
		switch {
		case strings.EqualFold(sig.SignerName, z.v.zone):
			own = append(own, sig)
		case dns.IsSubDomain(z.v.zone, sig.SignerName):
			below = true
		}
	}
	if len(own) == 0 && below {
		// Signed in a zone below this one that the same servers serve:
		// the trace never met its cut, so its keys are unknown here.
		return
	}
	if len(sigs) == 0 {
		z.add(dnsIssue{id: "rrsig-missing", zone: z.v.zone, server: label, queries: []int{q.ID},
			detail: label + " serves " + what + " without a signature, in a zone signed with DS at its parent"})
		return
	}
	if iss, _ := a.verify(z.v.zone, label, q.ID, what, set, sigs, keys); iss.id != "" {
		z.add(iss)
	}
}

// verify reports whether one of sigs validates rrset with one of keys,
// and otherwise the issue that explains why none does. A validating
// signature that expires within three days is noted (rrsig-expiring).
func (a *dnssecAnalysis) verify(zone, label string, qid int, what string, rrset []dns.RR, sigs []*dns.RRSIG, keys []*dns.DNSKEY) (dnsIssue, bool) {
	iss := dnsIssue{zone: zone, server: label, queries: []int{qid}}
	var last string
	for _, sig := range sigs {
		var key *dns.DNSKEY
		for _, k := range keys {
			if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && strings.EqualFold(k.Hdr.Name, sig.SignerName) {
				key = k
				break
			}
		}
		if key == nil {
			if last == "" {
				iss.id = "rrsig-missing"
				iss.detail = fmt.Sprintf("%s serves %s signed only by key %d, which is not in the DNSKEY RRset of %s", label, what, sig.KeyTag, zone)
				last = iss.id
			}
			continue
		}
		if !algSupported[sig.Algorithm] {
			return dnsIssue{}, true // unsupported: validators treat the zone as unsigned
		}
		inc, exp := sigTime(sig.Inception, a.now), sigTime(sig.Expiration, a.now)
		switch {
		case exp < a.now:
			iss.id, last = "rrsig-expired", "rrsig-expired"
			iss.detail = fmt.Sprintf("%s serves %s with a signature by key %d that expired %s ago (%s)", label, what, sig.KeyTag, ago(a.now-exp), stamp(exp))
			continue
		case inc > a.now:
			iss.id, last = "rrsig-not-yet-valid", "rrsig-not-yet-valid"
			iss.detail = fmt.Sprintf("%s serves %s with a signature by key %d valid only from %s, %s from now", label, what, sig.KeyTag, stamp(inc), ago(inc-a.now))
			continue
		}
		if err := sig.Verify(key, rrset); err != nil {
			iss.id, last = "rrsig-invalid", "rrsig-invalid"
			iss.detail = fmt.Sprintf("%s serves %s with a signature by key %d that does not verify (%v)", label, what, sig.KeyTag, err)
			continue
		}
		if exp-a.now < 3*86400 {
			// Only the best signature counts: note it, and accept.
			ok := dnsIssue{id: "rrsig-expiring", zone: zone, server: label, queries: []int{qid}, expires: sig.Expiration,
				detail: fmt.Sprintf("%s serves %s with a signature by key %d that expires in %s (%s)", label, what, sig.KeyTag, ago(exp-a.now), stamp(exp))}
			return ok, true
		}
		return dnsIssue{}, true
	}
	if iss.id == "" {
		iss.id = "rrsig-missing"
		iss.detail = label + " serves " + what + " without a usable signature"
	}
	return iss, false
}

// checkDenial checks that a negative answer carries NSEC or NSEC3
// records, and that an NSEC proof matches or covers the name.
func (a *dnssecAnalysis) checkDenial(z *zoneSec, label string, q *trace.Query, keys []*dns.DNSKEY) {
	var nsecs []*dns.NSEC
	var nsec3s []*dns.NSEC3
	for _, rr := range q.Reply.Ns {
		switch x := rr.(type) {
		case *dns.SOA:
			if !strings.EqualFold(x.Hdr.Name, z.v.zone) {
				return // the denial of a zone below, served by the same servers
			}
		case *dns.NSEC:
			nsecs = append(nsecs, x)
		case *dns.NSEC3:
			nsec3s = append(nsec3s, x)
		}
	}
	qtype := dns.StringToType[q.Type]
	name := strings.ToLower(q.Name)
	if len(q.Reply.Answer) > 0 {
		if cn, ok := q.Reply.Answer[len(q.Reply.Answer)-1].(*dns.CNAME); ok {
			name = strings.ToLower(cn.Target)
		}
	}
	if !dns.IsSubDomain(z.v.zone, name) {
		return
	}
	what := fmt.Sprintf("%s for %s %s", q.Rcode, name, q.Type)
	if q.Class == trace.ClassNoData {
		what = "NODATA for " + name + " " + q.Type
	}
	if len(nsecs) == 0 && len(nsec3s) == 0 {
		z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
			detail: label + " answers " + what + " without any NSEC or NSEC3 record"})
		return
	}
	if len(nsecs) == 0 {
		a.checkNSEC3(z, label, q, name, qtype, what, nsec3s, keys)
		return
	}
	proved := false
	for _, n := range nsecs {
		owner := strings.ToLower(n.Hdr.Name)
		switch {
		case q.Class == trace.ClassNoData && owner == name:
			proved = !hasType(n.TypeBitMap, qtype) && !hasType(n.TypeBitMap, dns.TypeCNAME)
		case nsecCovers(n, name):
			proved = true
		}
		if proved {
			if iss, ok := a.verify(z.v.zone, label, q.ID, owner+" NSEC", []dns.RR{n}, sigsOf(q.Reply.Ns, n.Hdr.Name, dns.TypeNSEC), keys); iss.id != "" {
				z.add(iss)
				if !ok {
					return
				}
			}
			break
		}
	}
	if !proved {
		z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
			detail: label + " answers " + what + " with NSEC records that neither match nor cover the name"})
	}
}

// checkNSEC3 checks an NSEC3 denial (RFC 5155 §8.4-8.6): for NODATA an
// NSEC3 matching the name without the type (or, with opt-out, covering
// it); for NXDOMAIN the closest encloser proof: an NSEC3 matching an
// ancestor and one covering the next closer name. Every NSEC3 used must
// validate. Unsupported parameters (hash, too many iterations) make the
// answer insecure, as validators treat it.
func (a *dnssecAnalysis) checkNSEC3(z *zoneSec, label string, q *trace.Query, name string, qtype uint16, what string, ns []*dns.NSEC3, keys []*dns.DNSKEY) {
	for _, n := range ns {
		if n.Hash != dns.SHA1 || n.Iterations > nsec3MaxIterations {
			return
		}
	}
	matching := func(x string) *dns.NSEC3 {
		for _, n := range ns {
			if n.Match(x) {
				return n
			}
		}
		return nil
	}
	covering := func(x string) *dns.NSEC3 {
		for _, n := range ns {
			if n.Cover(x) {
				return n
			}
		}
		return nil
	}
	var used []*dns.NSEC3
	if q.Class == trace.ClassNoData {
		if n := matching(name); n != nil && !hasType(n.TypeBitMap, qtype) && !hasType(n.TypeBitMap, dns.TypeCNAME) {
			used = append(used, n)
		} else if n := covering(name); n != nil && n.Flags&1 == 1 && qtype == dns.TypeDS {
			used = append(used, n) // opt-out: an insecure delegation
		}
	} else {
		for ce, next := nameParent(name), name; ; next, ce = ce, nameParent(ce) {
			if m := matching(ce); m != nil {
				if c := covering(next); c != nil {
					used = append(used, m, c)
				}
				break
			}
			if ce == z.v.zone || ce == "." {
				break
			}
		}
	}
	if len(used) == 0 {
		z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
			detail: label + " answers " + what + " with NSEC3 records that do not prove it (no matching or covering hash)"})
		return
	}
	for _, n := range used {
		iss, ok := a.verify(z.v.zone, label, q.ID, strings.ToLower(n.Hdr.Name)+" NSEC3", []dns.RR{n}, sigsOf(q.Reply.Ns, n.Hdr.Name, dns.TypeNSEC3), keys)
		if iss.id != "" {
			z.add(iss)
		}
		if !ok {
			return
		}
	}
}

// nsec3MaxIterations is the most NSEC3 iterations ddx expects validators
// to still validate (RFC 9276 §3.2 lets them treat more as insecure, and
// current resolvers' limits are at or below it): above it, a denial is
// insecure, not bogus.
const nsec3MaxIterations = 150

func nameParent(name string) string {
	i, end := dns.NextLabel(name, 0)
	if end || i >= len(name) {
		return "."
	}
	return name[i:]
}

// hasDNAME reports whether a DNAME in rrs owns an ancestor of name.
func hasDNAME(rrs []dns.RR, name string) bool {
	for _, rr := range rrs {
		if d, ok := rr.(*dns.DNAME); ok && dns.IsSubDomain(d.Hdr.Name, name) && !strings.EqualFold(d.Hdr.Name, name) {
			return true
		}
	}
	return false
}

func (z *zoneSec) add(iss dnsIssue) {
	z.issues = append(z.issues, iss)
	if iss.id != "rrsig-expiring" {
		z.bad[iss.server] = append(z.bad[iss.server], iss)
	}
}

// Security is the validation state of the trace's answer: the state of
// the zones its paths ended in, the worst first.
func (a *dnssecAnalysis) security(t *trace.Trace) (Security, string) {
	if a.cfg == nil {
		return "", ""
	}
	if len(a.cfg.Anchors) == 0 {
		return Indeterminate, "no trust anchor: nothing was validated"
	}
	rank := map[Security]int{Secure: 0, Insecure: 1, Indeterminate: 2, Bogus: 3}
	best, why := Security(""), ""
	for _, e := range t.Outcome.Ends {
		st := t.StepByID(e.Step)
		if st == nil {
			continue
		}
		z := a.zones[st.Zone]
		if z == nil {
			continue
		}
		if best == "" || rank[z.state] > rank[best] {
			best, why = z.state, z.why
		}
	}
	if best == "" {
		best, why = Indeterminate, "no path of the trace ended in a zone that was validated"
	}
	return best, why
}

// withDO reports whether a query got a reply with the DO bit: one that
// was asked with EDNS and DO, so the server had to add its DNSSEC records
// (RFC 3225). A reply to a fallback query without EDNS proves nothing.
func withDO(q *trace.Query) bool {
	if !q.OK() {
		return false
	}
	opt := q.Reply.IsEdns0()
	return opt != nil && opt.Do()
}

// sigTime places an RRSIG time (32-bit, RFC 1982 serial arithmetic, RFC
// 4034 §3.1.5) on the Unix time line, in the window around now.
func sigTime(t uint32, now int64) int64 {
	return now + int64(int32(t-uint32(now)))
}

func dnskeys(rrs []dns.RR, zone string) []*dns.DNSKEY {
	var out []*dns.DNSKEY
	for _, rr := range rrs {
		if k, ok := rr.(*dns.DNSKEY); ok && strings.EqualFold(k.Hdr.Name, zone) {
			out = append(out, k)
		}
	}
	return out
}

func rrsetOf(rrs []dns.RR, owner string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if h := rr.Header(); h.Rrtype == t && strings.EqualFold(h.Name, owner) {
			out = append(out, rr)
		}
	}
	return out
}

func sigsOf(rrs []dns.RR, owner string, covered uint16) []*dns.RRSIG {
	var out []*dns.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok && s.TypeCovered == covered && strings.EqualFold(s.Hdr.Name, owner) {
			out = append(out, s)
		}
	}
	return out
}

// rrsets groups the records of a section owned in zone into RRsets,
// leaving out signatures, denial records and the OPT.
func rrsets(rrs []dns.RR, zone string) [][]dns.RR {
	var out [][]dns.RR
	index := map[string]int{}
	for _, rr := range rrs {
		h := rr.Header()
		switch h.Rrtype {
		case dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeOPT:
			continue
		}
		if !dns.IsSubDomain(zone, h.Name) {
			continue
		}
		key := strings.ToLower(h.Name) + "/" + dns.TypeToString[h.Rrtype]
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], rr)
	}
	return out
}

func dsMatches(k *dns.DNSKEY, ds *dns.DS) bool {
	if k.Algorithm != ds.Algorithm || k.KeyTag() != ds.KeyTag || k.Flags&dns.ZONE == 0 {
		return false
	}
	d := k.ToDS(ds.DigestType)
	return d != nil && strings.EqualFold(d.Digest, ds.Digest)
}

func containsDS(list []*dns.DS, ds *dns.DS) bool {
	for _, x := range list {
		if x.KeyTag == ds.KeyTag && x.Algorithm == ds.Algorithm && x.DigestType == ds.DigestType && strings.EqualFold(x.Digest, ds.Digest) {
			return true
		}
	}
	return false
}

func appendKeys(list, keys []*dns.DNSKEY) []*dns.DNSKEY {
	for _, k := range keys {
		dup := false
		for _, x := range list {
			if x.PublicKey == k.PublicKey && x.Algorithm == k.Algorithm && x.Flags == k.Flags {
				dup = true
			}
		}
		if !dup {
			list = append(list, k)
		}
	}
	return list
}

func anySupported(dss []*dns.DS) bool {
	for _, ds := range dss {
		if algSupported[ds.Algorithm] && (ds.DigestType == dns.SHA1 || ds.DigestType == dns.SHA256 || ds.DigestType == dns.SHA384) {
			return true
		}
	}
	return false
}

// nsecCovers reports whether name falls strictly between the NSEC's owner
// and its next name, in canonical order (the last NSEC wraps around).
func nsecCovers(n *dns.NSEC, name string) bool {
	owner, next := n.Hdr.Name, n.NextDomain
	if canonicalCompare(owner, next) < 0 {
		return canonicalCompare(owner, name) < 0 && canonicalCompare(name, next) < 0
	}
	return canonicalCompare(owner, name) < 0 || canonicalCompare(name, next) < 0
}

// canonicalCompare orders names as RFC 4034 §6.1: label by label from the
// right, case folded.
func canonicalCompare(a, b string) int {
	la, lb := dns.SplitDomainName(strings.ToLower(a)), dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(la[i], lb[j]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

func hasType(bitmap []uint16, t uint16) bool {
	for _, x := range bitmap {
		if x == t {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func appendOnce(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

// Algorithms miekg/dns can verify; others make a zone insecure, not bogus.
var algSupported = map[uint8]bool{
	dns.RSASHA1: true, dns.RSASHA1NSEC3SHA1: true, dns.RSASHA256: true, dns.RSASHA512: true,
	dns.ECDSAP256SHA256: true, dns.ECDSAP384SHA384: true, dns.ED25519: true,
}

// Algorithms and digests validators no longer accept or must not use
// (RFC 8624 §3.1 and §3.3, and the SHA-1 deprecation that followed).
var (
	deprecatedAlg    = map[uint8]bool{dns.RSAMD5: true, dns.DSA: true, dns.RSASHA1: true, dns.DSANSEC3SHA1: true, dns.RSASHA1NSEC3SHA1: true, dns.ECCGOST: true}
	deprecatedDigest = map[uint8]bool{dns.SHA1: true, dns.GOST94: true}
)

func algName(a uint8) string {
	if n, ok := dns.AlgorithmToString[a]; ok {
		return fmt.Sprintf("%d (%s)", a, n)
	}
	return fmt.Sprint(a)
}

func digestName(d uint8) string {
	if n, ok := dns.HashToString[d]; ok {
		return fmt.Sprintf("%d (%s)", d, n)
	}
	return fmt.Sprint(d)
}

func dsWhere(z *zoneSec) string {
	if z.anchored || z.parent == nil {
		return "the trust anchor"
	}
	return "the parent " + z.parent.v.zone
}

func dsList(dss []*dns.DS) string {
	var out []string
	for _, ds := range dss {
		out = append(out, fmt.Sprintf("%d (algorithm %d, digest type %d)", ds.KeyTag, ds.Algorithm, ds.DigestType))
	}
	return strings.Join(out, ", ")
}

func keyList(keys []*dns.DNSKEY) string {
	var out []string
	for _, k := range keys {
		role := "ZSK"
		if k.Flags&dns.SEP != 0 {
			role = "KSK"
		}
		out = append(out, fmt.Sprintf("%d (%s, algorithm %d)", k.KeyTag(), role, k.Algorithm))
	}
	return strings.Join(out, ", ")
}

func sigList(sigs []*dns.RRSIG) string {
	if len(sigs) == 0 {
		return "no key"
	}
	var out []string
	for _, s := range sigs {
		out = append(out, fmt.Sprint(s.KeyTag))
	}
	return "key " + strings.Join(out, ", ")
}

func ago(secs int64) string {
	switch {
	case secs >= 2*86400:
		return fmt.Sprintf("%d days", secs/86400)
	case secs >= 2*3600:
		return fmt.Sprintf("%d hours", secs/3600)
	default:
		return fmt.Sprintf("%d minutes", secs/60)
	}
}

func stamp(unix int64) string {
	return time.Unix(unix, 0).UTC().Format("2006-01-02 15:04 UTC")
}
