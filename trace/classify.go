package trace

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// Reply classes: what a reply from a server of a zone means for the name
// being resolved.
const (
	ClassReferral = "referral"
	ClassAnswer   = "answer"
	ClassCNAME    = "cname"
	ClassNXDomain = "nxdomain"
	ClassNoData   = "nodata"
	ClassUpward   = "upward-referral"
	ClassLame     = "lame"
	ClassRefused  = "refused"
	ClassServFail = "servfail"
	ClassFormErr  = "formerr"
	ClassNotImp   = "notimp"
	ClassRcode    = "rcode"
	ClassError    = "error"
)

// Classification is the meaning of one reply, with the records that can be
// trusted (inside the zone's bailiwick) separated from those that cannot.
type Classification struct {
	Class string
	Why   string
	// Referral: the child zone, its NS names (sorted, lower case) and the
	// in-bailiwick glue.
	Zone string
	NS   []string
	Glue map[string][]netip.Addr
	// OutGlue lists address records outside the zone's bailiwick: kept as
	// evidence, never used.
	OutGlue []string
	// Answer and CNAME: the in-bailiwick records answering the question,
	// the alias chain, and the target still to resolve ("" when answered).
	Records []dns.RR
	Chain   []string
	Target  string
	NSTTL   uint32
}

// IsSubdomain reports whether child is parent or below it (both FQDNs).
func IsSubdomain(parent, child string) bool {
	return dns.IsSubDomain(parent, child)
}

// Classify interprets reply m from a server of zone to the question
// (name, qtype). It never trusts a record whose owner is outside zone.
func Classify(name string, qtype uint16, zone string, m *dns.Msg) Classification {
	if m == nil {
		return Classification{Class: ClassError, Why: "no reply"}
	}
	switch m.Rcode {
	case dns.RcodeRefused:
		return Classification{Class: ClassRefused, Why: "REFUSED"}
	case dns.RcodeServerFailure:
		return Classification{Class: ClassServFail, Why: "SERVFAIL"}
	case dns.RcodeFormatError:
		return Classification{Class: ClassFormErr, Why: "FORMERR"}
	case dns.RcodeNotImplemented:
		return Classification{Class: ClassNotImp, Why: "NOTIMP"}
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return Classification{Class: ClassRcode, Why: dns.RcodeToString[m.Rcode]}
	}

	// Follow the alias chain inside the answer section, trusting only
	// records inside the zone.
	c := Classification{}
	cur := strings.ToLower(dns.Fqdn(name))
	seen := map[string]bool{cur: true}
	for hop := 0; hop < 32; hop++ {
		var next string
		var final []dns.RR
		for _, rr := range m.Answer {
			h := rr.Header()
			if !strings.EqualFold(h.Name, cur) || !IsSubdomain(zone, cur) {
				continue
			}
			if h.Rrtype == qtype || qtype == dns.TypeANY {
				final = append(final, rr)
			} else if cn, ok := rr.(*dns.CNAME); ok && next == "" {
				next = strings.ToLower(cn.Target)
				c.Records = append(c.Records, rr)
			}
		}
		if len(final) > 0 {
			c.Records = append(c.Records, final...)
			c.Target = ""
			break
		}
		if next == "" {
			break
		}
		c.Chain = append(c.Chain, next)
		c.Target = next
		if seen[next] {
			break
		}
		seen[next] = true
		cur = next
	}
	aa := m.Authoritative
	if len(c.Records) > 0 {
		if !aa {
			c.Class, c.Why = ClassLame, "answer without AA"
			return c
		}
		if c.Target != "" {
			c.Class, c.Why = ClassCNAME, "alias to "+c.Target
			return c
		}
		c.Class, c.Why = ClassAnswer, "answer"
		return c
	}
	// A negative answer is the zone's only with AA and, when it carries
	// an SOA, the SOA of the zone (or of a zone between it and the name,
	// which the same server may serve).
	soaOwner, soaOK := negativeSOA(m, zone, name)
	if m.Rcode == dns.RcodeNameError {
		switch {
		case !aa && m.RecursionAvailable:
			c.Class, c.Why = ClassLame, "NXDOMAIN without AA, with RA: a recursive server's answer"
		case !aa:
			c.Class, c.Why = ClassLame, "NXDOMAIN without AA"
		case soaOwner != "" && !soaOK:
			c.Class, c.Why = ClassLame, "NXDOMAIN with the SOA of "+sanitize(soaOwner)+", not of "+zone
		default:
			c.Class, c.Why = ClassNXDomain, "NXDOMAIN"
		}
		return c
	}

	// No answer: a referral, an authoritative NODATA, or lameness.
	var nsOwner string
	var ns []string
	var hasSOA bool
	for _, rr := range m.Ns {
		switch v := rr.(type) {
		case *dns.NS:
			owner := strings.ToLower(v.Hdr.Name)
			if nsOwner == "" {
				nsOwner = owner
				c.NSTTL = v.Hdr.Ttl
			}
			if owner == nsOwner {
				ns = append(ns, strings.ToLower(v.Ns))
			}
		case *dns.SOA:
			if IsSubdomain(zone, v.Hdr.Name) && IsSubdomain(v.Hdr.Name, name) {
				hasSOA = true
			}
		}
	}
	qname := strings.ToLower(dns.Fqdn(name))
	switch {
	case nsOwner != "" && !hasSOA && nsOwner != zone && IsSubdomain(zone, nsOwner) && IsSubdomain(nsOwner, qname):
		c.Class, c.Why = ClassReferral, "referral to "+nsOwner
		c.Zone = nsOwner
		c.NS = dedupe(ns)
		c.Glue, c.OutGlue = glue(m, zone, c.NS)
		return c
	case nsOwner != "" && !hasSOA && !aa && IsSubdomain(nsOwner, zone):
		c.Class, c.Why = ClassUpward, "referral upward to "+nsOwner
		c.Zone = nsOwner
		c.NS = dedupe(ns)
		return c
	case aa && soaOwner != "" && !soaOK:
		c.Class, c.Why = ClassLame, "NODATA with the SOA of "+sanitize(soaOwner)+", not of "+zone
		return c
	case aa:
		c.Class, c.Why = ClassNoData, "no records of that type"
		return c
	case hasSOA && m.RecursionAvailable:
		c.Class, c.Why = ClassLame, "NODATA without AA, with RA: a recursive server's answer"
		return c
	case hasSOA:
		c.Class, c.Why = ClassLame, "NODATA without AA"
		return c
	case nsOwner != "":
		c.Class, c.Why = ClassLame, "referral to unrelated zone "+nsOwner
		c.Zone = nsOwner
		c.NS = dedupe(ns)
		return c
	}
	c.Class, c.Why = ClassLame, "empty reply without AA"
	return c
}

// negativeSOA finds the SOA records in a negative answer's authority
// section. It returns the owner of the first one, and whether some SOA
// there belongs to zone or to a zone between zone and name.
func negativeSOA(m *dns.Msg, zone, name string) (string, bool) {
	first := ""
	for _, rr := range m.Ns {
		soa, ok := rr.(*dns.SOA)
		if !ok {
			continue
		}
		if first == "" {
			first = strings.ToLower(soa.Hdr.Name)
		}
		if IsSubdomain(zone, soa.Hdr.Name) && IsSubdomain(soa.Hdr.Name, name) {
			return first, true
		}
	}
	return first, false
}

// glue splits the address records of a referral into those for the NS
// names that the parent zone may vouch for and the rest.
func glue(m *dns.Msg, zone string, ns []string) (map[string][]netip.Addr, []string) {
	want := map[string]bool{}
	for _, n := range ns {
		want[n] = true
	}
	in := map[string][]netip.Addr{}
	var out []string
	for _, rr := range m.Extra {
		var a netip.Addr
		var ok bool
		switch v := rr.(type) {
		case *dns.A:
			a, ok = netip.AddrFromSlice(v.A.To4())
		case *dns.AAAA:
			a, ok = netip.AddrFromSlice(v.AAAA)
		default:
			continue
		}
		owner := strings.ToLower(rr.Header().Name)
		if !ok {
			continue
		}
		if !want[owner] || !IsSubdomain(zone, owner) {
			out = append(out, rr.String())
			continue
		}
		if !containsAddr(in[owner], a) {
			in[owner] = append(in[owner], a)
		}
	}
	return in, out
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func dedupe(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// Usable reports whether a reply of this class moves resolution on.
func Usable(class string) bool {
	switch class {
	case ClassReferral, ClassAnswer, ClassCNAME, ClassNXDomain, ClassNoData:
		return true
	}
	return false
}
