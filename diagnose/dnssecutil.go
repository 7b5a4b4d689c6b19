package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

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
