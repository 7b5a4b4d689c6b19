package diagnose

import (
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// The wildcard proofs of RFC 4035 §5.3.4 and §5.4 (and RFC 5155 §8.4 and
// §8.8): an answer synthesized from a wildcard must come with the proof
// that no closer name exists, and an NXDOMAIN with the proof that no
// wildcard would have matched. Without them a validator cannot tell a
// forged expansion or denial from a real one, and answers SERVFAIL.

// expansion reports whether an RRset at owner was synthesized from a
// wildcard: its signatures' label count is below the owner's (RFC 4034
// §3.1.3). ce is the wildcard's parent, the closest encloser.
func expansion(owner string, sigs []*dns.RRSIG) (ce string, ok bool) {
	labels := dns.SplitDomainName(strings.ToLower(owner))
	if len(labels) > 0 && labels[0] == "*" {
		return "", false // the wildcard's own name, asked literally
	}
	for _, sig := range sigs {
		if n := int(sig.Labels); n < len(labels) {
			return dns.Fqdn(strings.Join(labels[len(labels)-n:], ".")), true
		}
	}
	return "", false
}

// checkExpansion requires, for an answer expanded from *.ce, an NSEC
// covering the owner or an NSEC3 covering the next closer name, signed.
func (a *dnssecAnalysis) checkExpansion(z *zoneSec, label string, q *trace.Query, owner, what, ce string, keys []*dns.DNSKEY) {
	next := owner
	for n := owner; dns.CountLabel(n) > dns.CountLabel(ce); n = nameParent(n) {
		next = n
	}
	for _, rr := range q.Reply.Ns {
		var sigs []*dns.RRSIG
		switch x := rr.(type) {
		case *dns.NSEC:
			if !nsecCovers(x, owner) {
				continue
			}
			sigs = sigsOf(q.Reply.Ns, x.Hdr.Name, dns.TypeNSEC)
		case *dns.NSEC3:
			if x.Hash != dns.SHA1 || x.Iterations > nsec3MaxIterations {
				return // parameters validators give up on: insecure, not bogus
			}
			if !x.Cover(next) {
				continue
			}
			sigs = sigsOf(q.Reply.Ns, x.Hdr.Name, dns.TypeNSEC3)
		default:
			continue
		}
		typ := dns.TypeToString[rr.Header().Rrtype]
		if iss, _ := a.verify(z.v.zone, label, q.ID, strings.ToLower(rr.Header().Name)+" "+typ, []dns.RR{rr}, sigs, keys); iss.id != "" {
			z.add(iss)
		}
		return
	}
	z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
		detail: label + " answers " + what + " from the wildcard *." + ce + " without the NSEC or NSEC3 record proving that " + owner + " itself does not exist"})
}

// checkNoWildcard requires, for an NXDOMAIN proved by NSEC, an NSEC
// covering the wildcard at the closest encloser: the longest ancestor of
// name that the covering record's owner or next name shares.
func (a *dnssecAnalysis) checkNoWildcard(z *zoneSec, label string, q *trace.Query, name, what string, nsecs []*dns.NSEC, keys []*dns.DNSKEY) {
	ce := z.v.zone
	for _, n := range nsecs {
		if !nsecCovers(n, name) {
			continue
		}
		for _, other := range []string{n.Hdr.Name, n.NextDomain} {
			if c := commonAncestor(name, other); dns.CountLabel(c) > dns.CountLabel(ce) && dns.IsSubDomain(z.v.zone, c) {
				ce = c
			}
		}
	}
	wild := "*." + ce
	for _, n := range nsecs {
		if nsecCovers(n, wild) {
			if iss, _ := a.verify(z.v.zone, label, q.ID, strings.ToLower(n.Hdr.Name)+" NSEC", []dns.RR{n}, sigsOf(q.Reply.Ns, n.Hdr.Name, dns.TypeNSEC), keys); iss.id != "" {
				z.add(iss)
			}
			return
		}
	}
	z.add(dnsIssue{id: "nsec-proof-invalid", zone: z.v.zone, server: label, queries: []int{q.ID},
		detail: label + " answers " + what + " without the NSEC record proving that no wildcard " + wild + " exists"})
}

// commonAncestor is the longest name that both a and b are at or below.
func commonAncestor(a, b string) string {
	la, lb := dns.SplitDomainName(strings.ToLower(a)), dns.SplitDomainName(strings.ToLower(b))
	n := 0
	for n < len(la) && n < len(lb) && la[len(la)-1-n] == lb[len(lb)-1-n] {
		n++
	}
	if n == 0 {
		return "."
	}
	return dns.Fqdn(strings.Join(la[len(la)-n:], "."))
}
