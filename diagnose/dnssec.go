package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"sync"

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
	ds   []*dns.DS
	dsQs []int
	noDS bool // a parent server answered that there is no DS
	// dsChild are the parent servers that answered the DS query from the
	// zone itself (NODATA with its SOA): no proof either way.
	dsChild  []string
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
			switch {
			case z.noDS:
				z.state, z.why = Insecure, "the parent "+z.parent.v.zone+" proves there is no DS for "+zone
			case len(z.dsChild) > 0:
				z.state, z.why = Indeterminate, strings.Join(z.dsChild, ", ")+" answered the DS query for "+zone+
					" from "+zone+" itself (its SOA), not from the parent "+z.parent.v.zone+" (RFC 4035 §3.1.4.1): nothing proves there is no DS"
			default:
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
		if err != nil || rr == nil || !strings.EqualFold(rr.Header().Name, zone) { // nil: a blank line
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
					if soaOwner(q.Reply.Ns, z.v.zone) {
						z.dsChild = appendOnce(z.dsChild, s.Label()) // the child side answered
						continue
					}
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

// soaOwner reports whether the authority section holds the SOA of zone.
func soaOwner(ns []dns.RR, zone string) bool {
	for _, rr := range ns {
		if soa, ok := rr.(*dns.SOA); ok && strings.EqualFold(soa.Hdr.Name, zone) {
			return true
		}
	}
	return false
}
