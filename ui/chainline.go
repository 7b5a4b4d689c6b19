package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/miekg/dns"
)

// chainShown is how many keys, signatures or servers one chain line names
// before it counts the rest: a zone may publish any number of them.
const chainShown = 3

// chainLine is a zone's chain of trust in one line: DS (or trust anchor)
// → DNSKEY → the signatures over the keys, with tags, algorithms and
// validity, and a mark where it breaks and on which servers.
func chainLine(l diagnose.ChainLink) (string, string) {
	var parts []string
	src := "DS"
	if l.Anchored {
		src = "anchor"
	}
	switch {
	case len(l.DS) > 0:
		var ds []string
		for _, d := range l.DS {
			s := fmt.Sprintf("%s %d (%s, %s)", src, d.KeyTag, algShort(d.Algorithm), digestShort(d.DigestType))
			if d.Matches == 0 {
				s += " matches no key"
			}
			ds = append(ds, s)
		}
		parts = append(parts, firstOf(ds))
	case l.Keys != nil:
		parts = append(parts, "no DS")
	}
	if len(l.Keys) > 0 {
		var ks []string
		for _, k := range l.Keys {
			role := "ZSK"
			if k.KSK {
				role = "KSK"
			}
			s := fmt.Sprintf("%s %d", role, k.KeyTag)
			if k.ByDS {
				s += " " + symOK
			}
			ks = append(ks, s)
		}
		parts = append(parts, "DNSKEY "+firstOf(ks))
	} else if len(l.DS) > 0 {
		parts = append(parts, "no DNSKEY")
	}
	if len(l.Sigs) > 0 {
		var ss []string
		for _, s := range l.Sigs {
			ss = append(ss, fmt.Sprintf("%d (%s)", s.KeyTag, window(s, l.Time)))
		}
		parts = append(parts, "signed by "+firstOf(ss))
	} else if len(l.Keys) > 0 {
		parts = append(parts, "keys unsigned")
	}
	line := strings.Join(parts, " "+symReferral+" ")
	var mark string
	switch {
	case len(l.Breaks) > 0:
		seen := map[string]bool{}
		var ids, servers []string
		for _, b := range l.Breaks {
			if !seen["id "+b.ID] {
				seen["id "+b.ID] = true
				ids = append(ids, b.ID)
			}
			if !seen["srv "+b.Server] {
				seen["srv "+b.Server] = true
				servers = append(servers, b.Server)
			}
		}
		mark = symError + " " + strings.Join(ids, ", ") + " on " + firstOf(servers)
		if l.State != diagnose.Bogus && len(l.Good) > 0 {
			mark += "; valid on " + firstOf(l.Good)
		}
	case l.State != diagnose.Secure && l.Why != "":
		mark = "(" + l.Why + ")"
	}
	return line, mark
}

// firstOf joins the first chainShown items and counts the rest.
func firstOf(items []string) string {
	if len(items) <= chainShown {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:chainShown], ", "), len(items)-chainShown)
}

func algShort(a uint8) string {
	if n, ok := dns.AlgorithmToString[a]; ok {
		return n
	}
	return fmt.Sprintf("algorithm %d", a)
}

func digestShort(d uint8) string {
	if n, ok := dns.HashToString[d]; ok {
		return n
	}
	return fmt.Sprintf("digest %d", d)
}

// window says a signature's validity against the validation time, in
// words that stay true for a saved trace read later: "valid for another 30
// days", "expired 2 days ago", "valid only in 3 hours".
func window(s diagnose.ChainSig, now int64) string {
	switch {
	case now < s.Inception:
		return "valid only in " + span(s.Inception-now)
	case now > s.Expiration:
		return "expired " + span(now-s.Expiration) + " ago"
	}
	return "valid for another " + span(s.Expiration-now)
}

func span(secs int64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	default:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
}
