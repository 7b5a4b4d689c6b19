package diagnose

import (
	"fmt"
	"iter"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// The targets that records of the zone point to: NS, MX, SRV, CNAME and
// PTR targets written without their trailing dot, aliases where a
// canonical name is needed, host names that are not, and in-zone targets
// with no address.

var ruleMissingTrailingDot = &Rule{
	ID: "missing-trailing-dot", Severity: Error,
	Title: "a CNAME, MX, SRV or PTR target written without its trailing dot",
	Doc: "A target like mail.example.com.example.com.: in a zone file a name without a final dot is relative, so it " +
		"was extended with the origin (RFC 1537 §5). In a reverse zone, 80 PTR www.example.com becomes " +
		"www.example.com.2.0.192.in-addr.arpa. The name does not exist, so the alias, mail route, service or reverse " +
		"lookup is broken. NS targets are ns-missing-trailing-dot.",
	Fix:  "Write the target with its trailing dot in the zone file, and reload.",
	Refs: []string{"RFC 1537 §5", "RFC 1912 §2.1", "RFC 1035 §5.1"},
}

// ruleHostnameSyntax is in hostname.go: the trace's rule, which the zone
// check below runs over every name of the content too.

// ruleMXInvalid is in mxinvalid.go: the trace's rule, which the zone
// check below runs over the content's MX sets too.

// missingDot says whether target, found in the zone with apex origin,
// looks like a name written without its trailing dot and extended with
// the origin (the file's, or a later $ORIGIN inside the zone), and what
// was meant. host says the target must be a host name (in a reverse zone,
// a PTR or NS target is never a reverse name).
func missingDot(target, origin string, host bool) (string, bool) {
	if origin == "" || origin == "." {
		return "", false
	}
	return missingDotLower(lowerName(target), lowerName(origin), strings.HasSuffix(origin, "ip6.arpa."), host)
}

// missingDotLower is missingDot for a target and origin already in lower
// case; ip6 says the origin (as given) ends in ip6.arpa.
func missingDotLower(target, origin string, ip6, host bool) (string, bool) {
	rel, ok := zoneRelativeLower(target, origin)
	if !ok {
		return "", false
	}
	o := strings.TrimSuffix(origin, ".")
	// Each case below needs the origin's name inside rel: most targets
	// do not have it, and are done without building a string.
	switch {
	case !strings.Contains(rel, o):
	case rel == o || hasDotSuffix(rel, o):
		return rel + ".", true
	case strings.HasPrefix(rel, o+"."):
		return o + ".", true
	default:
		if i := strings.Index(rel, "."+o+"."); i >= 0 {
			return rel[:i+1+len(o)] + ".", true
		}
	}
	if host && isReverseZone(origin) && !reverseLabels(rel, ip6) {
		return rel + ".", true
	}
	return "", false
}

// externalName says whether target looks like a name of another domain
// written without its trailing dot: below the origin, its last relative
// label a generic top-level domain (RFC 1537's relay.yy written for
// relay.yy.), and nothing of that name in the zone (a subdomain called
// info or net is not a mistake). Country codes are left out: two-letter
// labels inside zones are common. target is in lower case.
func (z *ZoneContent) externalName(target string) (string, bool) {
	if z.Origin == "" || z.Origin == "." {
		return "", false
	}
	rel, ok := zoneRelativeLower(target, z.Origin)
	if !ok {
		return "", false
	}
	if i := strings.LastIndex(rel, "."); i > 0 && genericTLDs[rel[i+1:]] && !z.exists(target) && z.cut(target) == "" {
		return rel + ".", true
	}
	return "", false
}

// missingDot is the package function missingDot, and externalName.
// target is in lower case, as the target list has it.
func (z *ZoneContent) missingDot(target string, host bool) (string, bool) {
	if z.Origin == "" || z.Origin == "." {
		return "", false
	}
	if meant, ok := missingDotLower(target, z.Origin, strings.HasSuffix(z.Origin, "ip6.arpa."), host); ok {
		return meant, true
	}
	return z.externalName(target)
}

var genericTLDs = map[string]bool{
	"com": true, "net": true, "org": true, "edu": true, "gov": true, "mil": true,
	"int": true, "arpa": true, "info": true, "biz": true,
}

func isReverseZone(origin string) bool {
	o := lowerName(origin)
	return o == "in-addr.arpa." || o == "ip6.arpa." || strings.HasSuffix(o, ".in-addr.arpa.") || strings.HasSuffix(o, ".ip6.arpa.")
}

// reverseLabels reports whether rel reads as part of a reverse name:
// numbers (with RFC 2317's - and /) under in-addr.arpa, nibbles under
// ip6.arpa.
func reverseLabels(rel string, ip6 bool) bool {
	for _, l := range strings.Split(rel, ".") {
		for _, c := range l {
			switch {
			case c >= '0' && c <= '9', c == '-', c == '/':
			case ip6 && len(l) == 1 && c >= 'a' && c <= 'f':
			default:
				return false
			}
		}
	}
	return true
}

// target is a name a record points to.
type zoneTarget struct {
	rec   *ZoneRecord
	name  string
	rtype uint16
}

// kind is the target's record type: NS, MX, SRV, CNAME, PTR.
func (t zoneTarget) kind() string { return rrTypeName(t.rtype) }

// targets yields the targets of the zone's records of the given kinds.
// The list of every target is made once, for all the rules that read it.
func (z *ZoneContent) targets(kinds ...uint16) iter.Seq[zoneTarget] {
	z.targetsOnce.Do(func() {
		n := 0
		for i := range z.Records {
			switch z.Records[i].RR.Header().Rrtype {
			case dns.TypeNS, dns.TypeMX, dns.TypeSRV, dns.TypeCNAME, dns.TypePTR:
				n++
			}
		}
		z.targetList = make([]zoneTarget, 0, n)
		for i := range z.Records {
			r := &z.Records[i]
			var n string
			switch rr := r.RR.(type) {
			case *dns.NS:
				n = rr.Ns
			case *dns.MX:
				n = rr.Mx
			case *dns.SRV:
				n = rr.Target
			case *dns.CNAME:
				n = rr.Target
			case *dns.PTR:
				n = rr.Ptr
			default:
				continue
			}
			t := r.RR.Header().Rrtype
			z.targetList = append(z.targetList, zoneTarget{rec: r, name: lowerName(n), rtype: t})
		}
	})
	return func(yield func(zoneTarget) bool) {
		for _, t := range z.targetList {
			if zoneHasType(t.rtype, kinds) && !yield(t) {
				return
			}
		}
	}
}

func zoneHasType(t uint16, ts []uint16) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func lintMissingTrailingDot(p *ZonePass) {
	trailingDots(p, dns.TypeCNAME, dns.TypeMX, dns.TypeSRV, dns.TypePTR)
}

func lintNSMissingTrailingDot(p *ZonePass) { trailingDots(p, dns.TypeNS) }

func trailingDots(p *ZonePass, kinds ...uint16) {
	z := p.Zone
	for t := range z.targets(kinds...) {
		host := t.rtype == dns.TypePTR || t.rtype == dns.TypeNS
		meant, ok := z.missingDot(t.name, host)
		if !ok {
			continue
		}
		p.Report(t.rec, Finding{
			Servers:     []string{t.name},
			Summary:     fmt.Sprintf("%s target %s looks like %s written without its trailing dot", t.kind(), t.name, meant),
			Explanation: fmt.Sprintf("%s: the %s record of %s points to %s, a name that repeats the zone's own. In a zone file a name without a final dot is relative: %q (meant as %s) was extended with the origin %s, and the result does not exist, so the record is useless.", recordAt(t.rec), t.kind(), t.rec.RR.Header().Name, t.name, strings.TrimSuffix(meant, "."), meant, z.Origin),
			Fix:         fmt.Sprintf("Write the target as %s, with the trailing dot, in the zone file, and reload.", meant),
		})
	}
}

// aliasTargets reports the targets of the given kinds that are CNAMEs in the zone.
func aliasTargets(p *ZonePass, kinds ...uint16) {
	z := p.Zone
	for t := range z.targets(kinds...) {
		cn := z.rrs(t.name, dns.TypeCNAME)
		if len(cn) == 0 {
			continue
		}
		canon := cn[0].RR.(*dns.CNAME).Target
		p.Report(t.rec, Finding{
			Servers:     []string{t.name},
			Summary:     fmt.Sprintf("the %s target %s is an alias", t.kind(), t.name),
			Explanation: fmt.Sprintf("%s: the %s record of %s points to %s, which %s makes a CNAME for %s. %s targets must be canonical names: some servers and resolvers refuse them, others add lookups.", recordAt(t.rec), t.kind(), t.rec.RR.Header().Name, t.name, recordAt(cn[0]), canon, t.kind()),
			Fix:         fmt.Sprintf("Point the %s record at %s (the canonical name) instead.", t.kind(), canon),
		})
	}
}

func lintMXToCNAME(p *ZonePass) { aliasTargets(p, dns.TypeMX, dns.TypeSRV) }
func lintNSIsCNAME(p *ZonePass) { aliasTargets(p, dns.TypeNS) }

// hostnameProblem says what makes name an invalid host name, or "".
// wildcard allows a leading * label (an owner name).
func hostLabelsProblem(name string, wildcard bool) string {
	if name == "." || name == "" {
		return ""
	}
	top := ""
	for rest, first := strings.TrimSuffix(name, "."), true; rest != ""; first = false {
		l := rest
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		top = l
		if first && wildcard && l == "*" {
			continue
		}
		for _, c := range l {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			case c == '\\':
				return "it holds an escaped character"
			case c == '_':
				return fmt.Sprintf("its label %q holds an underscore", l)
			default:
				return fmt.Sprintf("its label %q holds %q, which is not a letter, digit or hyphen", l, c)
			}
		}
		if l == "" {
			return "it has an empty label"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("its label %q starts or ends with a hyphen", l)
		}
	}
	if strings.Trim(top, "0123456789") == "" {
		return fmt.Sprintf("its top label %q is all digits: an address written as a name?", top)
	}
	return ""
}

// addressAsName says whether target is an IPv4 address written as a
// relative name (MX 10 192.0.2.25 → 192.0.2.25.example.com.).
// Both are in lower case.
func addressAsName(target, origin string) (string, bool) {
	rel, ok := zoneRelativeLower(target, origin)
	if !ok || strings.Count(rel, ".") != 3 {
		return "", false
	}
	a, err := netip.ParseAddr(rel)
	return rel, err == nil && a.Is4()
}

func lintHostnameSyntax(p *ZonePass) {
	z := p.Zone
	done := map[string]bool{}
	check := func(rec *ZoneRecord, name, role string, wildcard bool) {
		name = lowerName(name)
		if done[name] {
			return
		}
		why := hostLabelsProblem(name, wildcard)
		if addr, ok := addressAsName(name, z.Origin); ok && why == "" && role != "the owner of an address record" {
			why = fmt.Sprintf("it is the address %s written as a name, and extended with the origin", addr)
		}
		if why == "" {
			return
		}
		done[name] = true
		p.Report(rec, Finding{
			Servers:     []string{name},
			Summary:     fmt.Sprintf("%s is not a valid host name", name),
			Explanation: fmt.Sprintf("%s: %s is %s, and %s. Host names have letters, digits and hyphens only, no label starts or ends with a hyphen, and the top label is not all digits; mail servers and resolvers may refuse to use this one.", recordAt(rec), name, role, why),
		})
	}
	reverse := isReverseZone(z.Origin)
	for i := range z.Records {
		r := &z.Records[i]
		switch rr := r.RR.(type) {
		case *dns.NS:
			check(r, rr.Ns, "a name server (NS target)", false)
		case *dns.MX:
			check(r, rr.Mx, "a mail exchanger (MX target)", false)
		case *dns.SOA:
			check(r, rr.Ns, "the primary name server (SOA MNAME)", false)
		case *dns.A, *dns.AAAA:
			if !reverse && z.inZone(rr.Header().Name) {
				check(r, rr.Header().Name, "the owner of an address record", true)
			}
		}
	}
}

// unusableTarget reports whether a target is explained by another
// finding already: written without its dot, an alias, not a host name.
func (z *ZoneContent) unusableTarget(name string, host bool) bool {
	if _, ok := z.missingDot(name, host); ok {
		return true
	}
	if _, ok := addressAsName(name, z.Origin); ok {
		return true
	}
	return z.has(name, dns.TypeCNAME) || hostLabelsProblem(name, false) != ""
}

func lintMXInvalid(p *ZonePass) {
	z := p.Zone
	for i := range z.owners {
		o := &z.owners[i]
		n := o.name
		if z.count(o, dns.TypeMX) == 0 {
			continue
		}
		mxs := z.ownerRRs(o, dns.TypeMX)
		var null *ZoneRecord
		for _, r := range mxs {
			if r.RR.(*dns.MX).Mx == "." {
				null = r
			}
		}
		if null == nil {
			continue
		}
		switch {
		case len(distinctRRs(mxs)) > 1:
			p.Report(null, Finding{
				Summary:     fmt.Sprintf("%s has a null MX beside other MX records", n),
				Explanation: fmt.Sprintf("%s: %s has a null MX (MX 0 ., this domain takes no mail, RFC 7505) and other MX records too. Senders that pick the null MX bounce the mail, the others deliver it.", recordAt(null), n),
			})
		case null.RR.(*dns.MX).Preference != 0:
			p.Report(null, Finding{
				Summary:     fmt.Sprintf("%s has a null MX with preference %d", n, null.RR.(*dns.MX).Preference),
				Explanation: fmt.Sprintf("%s: the null MX of %s has preference %d; RFC 7505 requires 0, and senders may not recognise it as a null MX.", recordAt(null), n, null.RR.(*dns.MX).Preference),
				Fix:         "Write the null MX as MX 0 . (preference 0).",
			})
		}
	}
	for t := range z.targets(dns.TypeMX) {
		if t.name == "." || !z.authoritative(t.name) || z.hasAddress(t.name) || z.unusableTarget(t.name, true) {
			continue
		}
		p.Report(t.rec, Finding{
			Servers:     []string{t.name},
			Summary:     fmt.Sprintf("the mail exchanger %s has no address", t.name),
			Explanation: fmt.Sprintf("%s: %s has an MX record pointing to %s, which is in this zone but has no A or AAAA record in it%s. Senders cannot deliver to it.", recordAt(t.rec), t.rec.RR.Header().Name, t.name, zoneExistsNote(z, t.name)),
			Fix:         fmt.Sprintf("Add the address of %s to the zone, or point the MX record at a host that has one.", t.name),
		})
	}
}

func zoneExistsNote(z *ZoneContent, name string) string {
	if !z.exists(name) {
		return " (the name does not exist at all)"
	}
	return ""
}

// nsNameUnresolvable: offline, an NS target in the zone's own data with
// no address in the file. Targets inside a delegation of the zone are
// missing-glue's.
func lintNSNameUnresolvable(p *ZonePass) {
	z := p.Zone
	done := map[string]bool{}
	for t := range z.targets(dns.TypeNS) {
		if done[t.name] || !z.authoritative(t.name) || z.hasAddress(t.name) || z.unusableTarget(t.name, true) {
			continue
		}
		done[t.name] = true
		p.Report(t.rec, Finding{
			Servers:     []string{t.name},
			Summary:     fmt.Sprintf("name server %s has no address in the zone", t.name),
			Explanation: fmt.Sprintf("%s: %s is listed as a name server of %s, and it is in this zone, but the zone has no A or AAAA record for it%s. Resolvers cannot reach that server; if the others fail, the zone fails.", recordAt(t.rec), t.name, t.rec.RR.Header().Name, zoneExistsNote(z, t.name)),
			Fix:         fmt.Sprintf("Add the address records of %s to the zone, or correct the NS record.", t.name),
		})
	}
}
