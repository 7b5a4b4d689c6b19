package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// chainListed is how many DS records, keys, signatures, signed RRsets or
// breaks the chain-of-trust view lists per zone before it counts the
// rest: a zone may publish any number of them.
const chainListed = 8

// chainTree is the explorer's chain-of-trust view for zone (the DNSViz
// graph as a terminal tree): the links from the trust anchor down to it,
// one line each, then the zone's own link as a tree. The DS records
// (key tag, algorithm, digest type) and the DNSKEY each matches, the keys
// and which servers serve them, what each key signs and for when, and
// where the chain breaks and on which servers. Every list is bounded;
// the detail pane escapes the text.
func chainTree(rep *diagnose.Report, zone string) string {
	switch {
	case rep == nil:
		return "The chain of trust is drawn when the trace has finished."
	case rep.Trace.Config.DNSSEC == nil:
		return "DNSSEC was not validated (--no-dnssec): there is no chain of trust to draw."
	}
	byZone := map[string]diagnose.ChainLink{}
	for _, l := range rep.Chain {
		byZone[l.Zone] = l
	}
	l, ok := byZone[zone]
	if !ok {
		return fmt.Sprintf("Chain of trust of %s: the trace did not validate this zone.", zoneName(zone))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Chain of trust of %s: %s\n", zoneName(zone), l.State)
	// The path from the anchor: one line per link, each under the one
	// whose DS it rests on.
	var path []diagnose.ChainLink
	seen := map[string]bool{}
	for p := l; ; {
		path = append([]diagnose.ChainLink{p}, path...)
		seen[p.Zone] = true
		up, ok := byZone[p.Parent]
		if p.Parent == "" || !ok || seen[up.Zone] || len(path) > 64 {
			break
		}
		p = up
	}
	for i, p := range path {
		lead := ""
		if i > 0 {
			lead = strings.Repeat("  ", i-1) + "└─ "
		}
		what := string(p.State)
		switch {
		case p.Anchored:
			what += " (trust anchor)"
		case !p.Signed():
			what += " (not signed)"
		}
		if _, brk := chainLine(p); len(p.Breaks) > 0 {
			what += "  " + brk
		}
		fmt.Fprintf(&b, "%s%s  %s\n", lead, zoneName(p.Zone), what)
	}
	b.WriteString("\n")
	writeLink(&b, rep.Trace, l)
	return strings.TrimRight(b.String(), "\n")
}

// writeLink draws one zone's link as a tree: DS → keys → what each key
// signs, then where it breaks.
func writeLink(b *strings.Builder, t *trace.Trace, l diagnose.ChainLink) {
	fmt.Fprintf(b, "%s  %s", zoneName(l.Zone), l.State)
	if l.Why != "" && len(l.Breaks) == 0 {
		fmt.Fprintf(b, " (%s)", l.Why)
	}
	b.WriteString("\n")
	if !l.Signed() {
		b.WriteString("└─ no DS at the parent and no DNSKEY: the zone is not signed\n")
		return
	}
	from := "DS at " + zoneName(l.Parent)
	if l.Anchored {
		from = "trust anchors"
	}
	if len(l.DS) == 0 {
		from += ": none (nothing vouches for the keys)"
	}
	fmt.Fprintf(b, "├─ %s\n", from)
	for i, d := range l.DS {
		if i == chainListed {
			fmt.Fprintf(b, "│  └─ and %d more\n", len(l.DS)-i)
			break
		}
		m := fmt.Sprintf("%s matches key %d", symOK, d.Matches)
		if d.Matches == 0 {
			m = symError + " matches no DNSKEY the servers serve"
		}
		fmt.Fprintf(b, "│  %s DS %d  %s  digest %s  %s\n", branch(i, min(len(l.DS), chainListed+1)), d.KeyTag, algShort(d.Algorithm), digestShort(d.DigestType), m)
	}
	signs := signedSets(t, l.Zone)
	fmt.Fprintf(b, "├─ DNSKEY\n")
	if len(l.Keys) == 0 {
		b.WriteString("│  └─ none served\n")
	}
	for i, k := range l.Keys {
		if i == chainListed {
			fmt.Fprintf(b, "│  └─ and %d more keys\n", len(l.Keys)-i)
			break
		}
		last := i == len(l.Keys)-1
		role := "ZSK"
		if k.KSK {
			role = "KSK"
		}
		by := ""
		if k.ByDS {
			by = "  " + symOK + " named by a DS"
		}
		fmt.Fprintf(b, "│  %s %s %d  %s  on %s%s\n", branch(i, len(l.Keys)), role, k.KeyTag, algShort(k.Algorithm), firstOf(k.Servers), by)
		indent := "│  │  "
		if last {
			indent = "│     "
		}
		var lines []string
		for _, s := range l.Sigs {
			if s.KeyTag == k.KeyTag && s.Algorithm == k.Algorithm {
				lines = append(lines, fmt.Sprintf("signs the DNSKEY RRset, %s", validity(s.Inception, s.Expiration, l.Time)))
			}
		}
		lines = append(lines, signs[k.KeyTag]...)
		if len(lines) == 0 {
			lines = append(lines, "signs nothing the trace saw")
		}
		for j, s := range lines {
			if j == chainListed {
				fmt.Fprintf(b, "%s└─ and %d more\n", indent, len(lines)-j)
				break
			}
			fmt.Fprintf(b, "%s%s %s\n", indent, branch(j, len(lines)), s)
		}
	}
	orphans := 0
	for _, s := range l.Sigs {
		if !hasKey(l.Keys, s.KeyTag, s.Algorithm) {
			orphans++
		}
	}
	if orphans > 0 {
		fmt.Fprintf(b, "├─ %s %d signature(s) over the DNSKEY RRset by a key it does not hold\n", symError, orphans)
	}
	writeBreaks(b, l)
}

// writeBreaks ends a link's tree: which servers break it and why, and
// which validate.
func writeBreaks(b *strings.Builder, l diagnose.ChainLink) {
	if len(l.Breaks) == 0 {
		if l.State == diagnose.Secure {
			fmt.Fprintf(b, "└─ %s the chain validates on %s\n", symOK, firstOf(l.Good))
		} else {
			fmt.Fprintf(b, "└─ %s\n", l.State)
		}
		return
	}
	b.WriteString("└─ where it breaks\n")
	for i, br := range l.Breaks {
		if i == chainListed {
			fmt.Fprintf(b, "   and %d more\n", len(l.Breaks)-i)
			break
		}
		fmt.Fprintf(b, "   %s %s: %s: %s\n", symError, br.Server, br.ID, br.Detail)
	}
	if len(l.Good) > 0 {
		fmt.Fprintf(b, "   %s valid on %s\n", symOK, firstOf(l.Good))
	}
}

// signedSets lists, per key tag, the RRsets of zone that its servers
// answered with a signature by that key, with the signature's validity:
// "signs www.x.test. A, valid ...". Read from the replies of the trace.
func signedSets(t *trace.Trace, zone string) map[uint16][]string {
	out := map[uint16][]string{}
	seen := map[string]bool{}
	for _, st := range t.Steps {
		if st.Zone != zone {
			continue
		}
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Reply == nil || q.Purpose == trace.PurposeDNSKEY {
					continue
				}
				for _, rr := range append(append([]dns.RR{}, q.Reply.Answer...), q.Reply.Ns...) {
					sig, ok := rr.(*dns.RRSIG)
					if !ok || !strings.EqualFold(sig.SignerName, zone) {
						continue
					}
					what := strings.ToLower(sig.Hdr.Name) + " " + dns.Type(sig.TypeCovered).String()
					if seen[fmt.Sprint(sig.KeyTag, what)] {
						continue
					}
					seen[fmt.Sprint(sig.KeyTag, what)] = true
					out[sig.KeyTag] = append(out[sig.KeyTag], "signs "+what+", "+validity(int64(sig.Inception), int64(sig.Expiration), t.Config.DNSSEC.Time))
				}
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// validity is a signature's window, in dates and against the validation
// time: "2026-11-23 to 2026-12-30, valid for another 29 days".
func validity(inception, expiration, now int64) string {
	day := func(s int64) string { return time.Unix(s, 0).UTC().Format("2006-01-02") }
	w := window(diagnose.ChainSig{Inception: inception, Expiration: expiration}, now)
	if now < inception || now > expiration {
		w = symError + " " + w
	}
	return fmt.Sprintf("%s to %s, %s", day(inception), day(expiration), w)
}

func hasKey(keys []diagnose.ChainKey, tag uint16, alg uint8) bool {
	for _, k := range keys {
		if k.KeyTag == tag && k.Algorithm == alg {
			return true
		}
	}
	return false
}

// branch is the tree glyph of the i-th of n children.
func branch(i, n int) string {
	if i == n-1 {
		return "└─"
	}
	return "├─"
}

// detailTitle names what the detail pane shows.
func (m Model) detailTitle() string {
	if m.showChain {
		return "Chain of trust  (d: detail)"
	}
	return "Detail"
}

// nodeZone is the zone of the step a node belongs to, or "".
func nodeZone(n *node) string {
	for ; n != nil; n = n.parent {
		if n.step != nil {
			return n.step.Zone
		}
	}
	return ""
}
