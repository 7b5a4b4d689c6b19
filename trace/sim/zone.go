package sim

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Zone is the data of one zone, as an authoritative server holds it.
type Zone struct {
	Origin string
	SOA    *dns.SOA
	rrsets map[string]map[uint16][]dns.RR // owner → type → records
	names  map[string]bool                // owners and empty non-terminals
	sec    *signedData                    // signatures and NSEC chain, when signed
}

// loadZone parses one or more zone files for origin; RRsets of later files
// replace those of earlier ones.
func loadZone(fsys fs.FS, dir, origin string, files []string) (*Zone, error) {
	z := &Zone{Origin: origin, rrsets: map[string]map[uint16][]dns.RR{}, names: map[string]bool{}}
	for _, file := range files {
		p := path.Join(dir, "zones", file+".zone")
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		zp := dns.NewZoneParser(strings.NewReader(string(data)), origin, p)
		replaced := map[string]bool{}
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			h := rr.Header()
			h.Name = strings.ToLower(h.Name)
			if !dns.IsSubDomain(origin, h.Name) {
				return nil, fmt.Errorf("%s: %s is outside the zone %s", p, h.Name, origin)
			}
			if soa, ok := rr.(*dns.SOA); ok && h.Name == origin {
				z.SOA = soa
			}
			key := h.Name + "/" + dns.TypeToString[h.Rrtype]
			if z.rrsets[h.Name] == nil {
				z.rrsets[h.Name] = map[uint16][]dns.RR{}
			}
			if !replaced[key] {
				replaced[key] = true
				z.rrsets[h.Name][h.Rrtype] = nil
			}
			z.rrsets[h.Name][h.Rrtype] = append(z.rrsets[h.Name][h.Rrtype], rr)
		}
		if err := zp.Err(); err != nil {
			return nil, err
		}
	}
	if z.SOA == nil {
		return nil, fmt.Errorf("zone %s (%s): no SOA at the apex", origin, strings.Join(files, "+"))
	}
	for owner := range z.rrsets {
		for n := owner; ; n = parent(n) {
			z.names[n] = true
			if n == origin || n == "." {
				break
			}
		}
	}
	return z, nil
}

// answer fills r with the authoritative reply to q, as BIND or NSD would
// give it: referral, answer (chasing in-zone CNAMEs), NODATA or NXDOMAIN.
func (z *Zone) answer(q dns.Question, r *dns.Msg) {
	name := strings.ToLower(q.Name)
	if cut := z.delegation(name, q.Qtype); cut != "" {
		ns := z.rrsets[cut][dns.TypeNS]
		r.Ns = append(r.Ns, ns...)
		for _, rr := range ns {
			r.Extra = append(r.Extra, z.addresses(rr.(*dns.NS).Ns)...)
		}
		return
	}
	r.Authoritative = true
	for hop := 0; hop < 8; hop++ {
		sets := z.rrsets[name]
		if sets == nil && !z.names[name] {
			sets = z.wildcard(name)
		}
		if sets == nil {
			if !z.names[name] {
				r.Rcode = dns.RcodeNameError
			}
			r.Ns = append(r.Ns, z.negativeSOA())
			return
		}
		if rrs := sets[q.Qtype]; len(rrs) > 0 {
			r.Answer = append(r.Answer, withOwner(rrs, name)...)
			return
		}
		if q.Qtype == dns.TypeANY {
			for _, rrs := range sets {
				r.Answer = append(r.Answer, withOwner(rrs, name)...)
			}
			return
		}
		cn := sets[dns.TypeCNAME]
		if len(cn) == 0 {
			r.Ns = append(r.Ns, z.negativeSOA())
			return
		}
		r.Answer = append(r.Answer, withOwner(cn, name)...)
		name = strings.ToLower(cn[0].(*dns.CNAME).Target)
		if !dns.IsSubDomain(z.Origin, name) || z.delegation(name, q.Qtype) != "" {
			return
		}
	}
}

// delegation returns the highest zone cut at or above name, below the apex.
func (z *Zone) delegation(name string, qtype uint16) string {
	labels := dns.SplitDomainName(name)
	depth := dns.CountLabel(z.Origin)
	for i := len(labels) - depth - 1; i >= 0; i-- {
		n := dns.Fqdn(strings.Join(labels[i:], "."))
		if _, ok := z.rrsets[n][dns.TypeNS]; ok && n != z.Origin {
			if n == name && qtype == dns.TypeDS {
				return ""
			}
			return n
		}
	}
	return ""
}

func (z *Zone) wildcard(name string) map[uint16][]dns.RR {
	for n := name; n != z.Origin && n != "."; {
		p := parent(n)
		if sets := z.rrsets["*."+p]; sets != nil {
			return sets
		}
		if z.names[p] {
			return nil // the closest encloser has no wildcard
		}
		n = p
	}
	return nil
}

func (z *Zone) addresses(name string) []dns.RR {
	name = strings.ToLower(name)
	if !dns.IsSubDomain(z.Origin, name) {
		return nil
	}
	var out []dns.RR
	out = append(out, z.rrsets[name][dns.TypeA]...)
	out = append(out, z.rrsets[name][dns.TypeAAAA]...)
	return out
}

func (z *Zone) negativeSOA() dns.RR {
	soa := dns.Copy(z.SOA).(*dns.SOA)
	if soa.Minttl < soa.Hdr.Ttl {
		soa.Hdr.Ttl = soa.Minttl
	}
	return soa
}

func withOwner(rrs []dns.RR, owner string) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		c := dns.Copy(rr)
		c.Header().Name = owner
		out[i] = c
	}
	return out
}

// parent strips the first label of an FQDN; the root is its own parent.
func parent(name string) string {
	i, end := dns.NextLabel(name, 0)
	if end || i >= len(name) {
		return "."
	}
	return name[i:]
}

// Records lists every record of the zone, apex first.
func (z *Zone) Records() []dns.RR {
	var owners []string
	for o := range z.rrsets {
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool {
		if (owners[i] == z.Origin) != (owners[j] == z.Origin) {
			return owners[i] == z.Origin
		}
		return owners[i] < owners[j]
	})
	var out []dns.RR
	for _, o := range owners {
		var types []int
		for t := range z.rrsets[o] {
			types = append(types, int(t))
		}
		sort.Ints(types)
		for _, t := range types {
			out = append(out, z.rrsets[o][uint16(t)]...)
		}
	}
	return out
}
