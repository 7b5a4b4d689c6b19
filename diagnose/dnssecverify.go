package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

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
	iss, ok := a.verify(z.v.zone, label, q.ID, what, set, sigs, keys)
	if iss.id != "" {
		z.add(iss)
	}
	if ce, wild := expansion(h.Name, sigs); ok && wild && q.Class != trace.ClassNoData && q.Class != trace.ClassNXDomain {
		a.checkExpansion(z, label, q, strings.ToLower(h.Name), what, ce, keys)
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
		return
	}
	if q.Class == trace.ClassNXDomain {
		a.checkNoWildcard(z, label, q, name, what, nsecs, keys)
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
				c := covering(next)
				if c == nil {
					break
				}
				used = append(used, m, c)
				if w := covering("*." + ce); w != nil {
					used = append(used, w)
				} else if c.Flags&1 == 0 {
					z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
						detail: label + " answers " + what + " without the NSEC3 record proving that no wildcard *." + ce + " exists"})
					return
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
