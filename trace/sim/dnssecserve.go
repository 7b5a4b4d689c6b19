package sim

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// signedData is what signing adds to a zone: the RRSIGs of each RRset and
// the NSEC chain.
type signedData struct {
	sigs        map[string]map[uint16][]dns.RR // owner → covered type → RRSIGs
	nsec        map[string]*dns.NSEC
	nsecOwners  []string              // in canonical order
	noNSEC      bool                  // negative answers without their NSEC records
	noWildProof bool                  // wildcard answers and NXDOMAIN without their wildcard proofs
	nsec3       map[string]*dns.NSEC3 // name → its NSEC3, in an NSEC3 zone
	nsec3Sorted []*dns.NSEC3          // by hash
}

// addDNSSEC adds to an answer of a signed zone what a server adds for a
// query with DO: the RRSIGs of each RRset, the DS (or the NSEC proving
// there is none) of a referral, and the NSEC records of a negative answer.
func (z *Zone) addDNSSEC(q dns.Question, r *dns.Msg) {
	if z.sec == nil {
		return
	}
	r.Answer = append(r.Answer, z.sigsFor(r.Answer)...)
	if r.Authoritative && !z.sec.noNSEC && !z.sec.noWildProof {
		z.wildcardProof(r)
	}
	if !r.Authoritative {
		if len(r.Ns) == 0 {
			return
		}
		cut := strings.ToLower(r.Ns[0].Header().Name)
		if ds := z.rrsets[cut][dns.TypeDS]; ds != nil {
			r.Ns = append(r.Ns, ds...)
			r.Ns = append(r.Ns, z.sec.sigs[cut][dns.TypeDS]...)
		} else if n := z.sec.nsec[cut]; n != nil {
			r.Ns = append(r.Ns, n)
			r.Ns = append(r.Ns, z.sec.sigs[cut][dns.TypeNSEC]...)
		} else if n := z.sec.nsec3[cut]; n != nil {
			r.Ns = append(r.Ns, n)
			r.Ns = append(r.Ns, z.sec.sigs[n.Hdr.Name][dns.TypeNSEC3]...)
		}
		return
	}
	if len(r.Answer) > 0 && r.Rcode == dns.RcodeSuccess && !z.endsInCNAME(r, q) {
		return
	}
	name := strings.ToLower(q.Name)
	if len(r.Answer) > 0 {
		cn, ok := r.Answer[len(r.Answer)-1].(*dns.CNAME)
		if !ok {
			return
		}
		name = strings.ToLower(cn.Target)
	}
	r.Ns = append(r.Ns, z.sigsFor(r.Ns)...)
	if z.sec.noNSEC {
		return
	}
	if z.sec.nsec3 != nil {
		z.nsec3Proof(name, r)
		return
	}
	var proofs []string
	if n := z.sec.nsec[name]; n != nil {
		proofs = append(proofs, name)
	} else {
		proofs = append(proofs, z.covering(name))
		if r.Rcode == dns.RcodeNameError {
			ce := name
			for ce != z.Origin && !z.names[ce] {
				ce = parent(ce)
			}
			if !z.sec.noWildProof {
				proofs = append(proofs, z.covering("*."+ce))
			}
		}
	}
	done := map[string]bool{}
	for _, p := range proofs {
		if p == "" || done[p] {
			continue
		}
		done[p] = true
		r.Ns = append(r.Ns, z.sec.nsec[p])
		r.Ns = append(r.Ns, z.sec.sigs[p][dns.TypeNSEC]...)
	}
}

func (z *Zone) endsInCNAME(r *dns.Msg, q dns.Question) bool {
	last, ok := r.Answer[len(r.Answer)-1].(*dns.CNAME)
	return ok && q.Qtype != dns.TypeCNAME && dns.IsSubDomain(z.Origin, last.Target) && z.delegation(strings.ToLower(last.Target), q.Qtype) == ""
}

// sigsFor returns the signatures of the RRsets in rrs. An RRset
// synthesized from a wildcard carries the wildcard's signatures under its
// own name; their label count tells a validator it was expanded.
func (z *Zone) sigsFor(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	done := map[string]bool{}
	for _, rr := range rrs {
		h := rr.Header()
		owner := strings.ToLower(h.Name)
		key := owner + "/" + strconv.Itoa(int(h.Rrtype))
		if done[key] || h.Rrtype == dns.TypeRRSIG {
			continue
		}
		done[key] = true
		if src := z.expandedFrom(owner); src != "" {
			for _, sig := range z.sec.sigs[src][h.Rrtype] {
				sig = dns.Copy(sig)
				sig.Header().Name = h.Name
				out = append(out, sig)
			}
			continue
		}
		out = append(out, z.sec.sigs[owner][h.Rrtype]...)
	}
	return out
}

// expandedFrom is the wildcard that an answer for name was synthesized
// from, or "" when name exists in the zone.
func (z *Zone) expandedFrom(name string) string {
	if z.names[name] || z.rrsets[name] != nil || !dns.IsSubDomain(z.Origin, name) {
		return ""
	}
	for n := name; n != z.Origin && n != "."; {
		p := parent(n)
		if z.rrsets["*."+p] != nil {
			return "*." + p
		}
		if z.names[p] {
			return ""
		}
		n = p
	}
	return ""
}

// wildcardProof adds, for each answer synthesized from a wildcard, the
// NSEC (or NSEC3 of the next closer name) proving that no closer name
// matched the query (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6).
func (z *Zone) wildcardProof(r *dns.Msg) {
	done := map[string]bool{}
	for _, rr := range r.Answer {
		owner := strings.ToLower(rr.Header().Name)
		src := z.expandedFrom(owner)
		if src == "" || done[owner] {
			continue
		}
		done[owner] = true
		if z.sec.nsec3 != nil {
			ce := parent(src) // the wildcard's parent: the closest encloser
			next := owner
			for parent(next) != ce {
				next = parent(next)
			}
			if n := z.nsec3Covering(next); n != nil {
				r.Ns = append(r.Ns, n)
				r.Ns = append(r.Ns, z.sec.sigs[n.Hdr.Name][dns.TypeNSEC3]...)
			}
			continue
		}
		if p := z.covering(owner); p != "" {
			r.Ns = append(r.Ns, z.sec.nsec[p])
			r.Ns = append(r.Ns, z.sec.sigs[p][dns.TypeNSEC]...)
		}
	}
}

// covering is the owner of the NSEC record whose span covers name.
func (z *Zone) covering(name string) string {
	best := ""
	for _, o := range z.sec.nsecOwners {
		if canonicalLess(o, name) {
			best = o
		}
	}
	if best == "" && len(z.sec.nsecOwners) > 0 {
		best = z.sec.nsecOwners[len(z.sec.nsecOwners)-1]
	}
	return best
}

// canonicalLess orders names as RFC 4034 §6.1 does: label by label from
// the right, lower case, bytewise.
func canonicalLess(a, b string) bool {
	la, lb := dns.SplitDomainName(strings.ToLower(a)), dns.SplitDomainName(strings.ToLower(b))
	for i, j := len(la)-1, len(lb)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if la[i] != lb[j] {
			return la[i] < lb[j]
		}
	}
	return len(la) < len(lb)
}

// nsec3Proof adds the NSEC3 records that deny name: its own for NODATA;
// for NXDOMAIN the closest encloser's, and those covering the next closer
// name and the wildcard at the closest encloser (RFC 5155 §7.2).
func (z *Zone) nsec3Proof(name string, r *dns.Msg) {
	var proof []*dns.NSEC3
	if n := z.sec.nsec3[name]; n != nil {
		proof = append(proof, n)
	} else {
		ce, next := name, name
		for ce != z.Origin && z.sec.nsec3[ce] == nil {
			next, ce = ce, parent(ce)
		}
		proof = append(proof, z.sec.nsec3[ce], z.nsec3Covering(next))
		if !z.sec.noWildProof {
			proof = append(proof, z.nsec3Covering("*."+ce))
		}
	}
	done := map[*dns.NSEC3]bool{}
	for _, n := range proof {
		if n == nil || done[n] {
			continue
		}
		done[n] = true
		r.Ns = append(r.Ns, n)
		r.Ns = append(r.Ns, z.sec.sigs[n.Hdr.Name][dns.TypeNSEC3]...)
	}
}
