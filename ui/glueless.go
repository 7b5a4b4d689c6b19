package ui

import (
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// nsSummary is how the addresses of one glueless name server were found,
// its A and AAAA lookups together: one line in the text and the tree.
type nsSummary struct {
	name   string
	addrs  []string
	via    string // the zone whose servers gave the addresses
	failed string // why there is no address, in words
	reused bool   // every lookup was already shown, earlier in the run
	ended  bool   // the lookups have ended (false while the trace runs)
}

// summarizeNS sums up the lookups of a delegation's name server h at the
// zone cut st. placed holds the lookups already shown; it gains h's.
func summarizeNS(t *trace.Trace, st *trace.Step, h trace.NSHost, placed map[int]bool) nsSummary {
	s := nsSummary{name: h.Name, reused: len(h.Lookup) > 0, ended: h.Error != ""}
	seenAddr := map[string]bool{}
	add := func(a string) {
		if !seenAddr[a] {
			seenAddr[a] = true
			s.addrs = append(s.addrs, a)
		}
	}
	for _, a := range h.Addrs {
		add(a)
	}
	for _, id := range h.Lookup {
		if !placed[id] {
			s.reused = false
		}
		placed[id] = true
		l := t.LookupByID(id)
		if l == nil {
			continue
		}
		if l.Outcome.Rcode != "" {
			s.ended = true
		}
		for _, a := range l.Addrs {
			add(a)
		}
		if s.via == "" {
			s.via = answeringZone(t, id, map[int]bool{})
		}
	}
	if len(s.addrs) > 0 {
		s.ended = true
	}
	if len(s.addrs) == 0 && h.Error != "" {
		s.failed = nsFailureWords(t, st, h)
	}
	return s
}

// answeringZone is the zone whose servers answered a lookup (following
// aliases), or "".
func answeringZone(t *trace.Trace, id int, visiting map[int]bool) string {
	if visiting[id] {
		return ""
	}
	visiting[id] = true
	for _, st := range t.Steps {
		if st == nil || st.Lookup != id {
			continue
		}
		for _, r := range st.Results {
			switch {
			case r.Kind == trace.KindAnswer:
				return st.Zone
			case r.Kind == trace.KindCNAME && r.Lookup >= 0:
				if z := answeringZone(t, r.Lookup, visiting); z != "" {
					return z
				}
			}
		}
	}
	return ""
}

// nsFailureWords says why a name server has no address, each reason once.
func nsFailureWords(t *trace.Trace, st *trace.Step, h trace.NSHost) string {
	if h.Failure == trace.NSFailCycle {
		return "a cycle: finding its address needs " + st.Zone + " itself"
	}
	var parts []string
	if h.Failure == trace.NSFailLookup {
		for _, id := range h.Lookup {
			if l := t.LookupByID(id); l != nil && l.Outcome.Rcode != "" {
				parts = append(parts, l.Type+": "+lookupWords(l))
			}
		}
		if len(parts) > 0 {
			if same := strings.TrimPrefix(strings.TrimPrefix(parts[0], "AAAA: "), "A: "); len(parts) == 2 &&
				same == strings.TrimPrefix(strings.TrimPrefix(parts[1], "AAAA: "), "A: ") {
				return same
			}
			return strings.Join(parts, "; ")
		}
	}
	for _, p := range strings.Split(h.Error, "; ") {
		if p != "" && !containsString(parts, p) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// status is the summary's symbol.
func (s nsSummary) status() status {
	switch {
	case len(s.addrs) > 0:
		return stOK
	case s.failed != "":
		return stError
	case s.ended:
		return stError
	}
	return stPending
}

// text is the one line: "ns1.example. → 192.0.2.1 2001:db8::1 (via test.)".
func (s nsSummary) text() string {
	var b strings.Builder
	b.WriteString(s.name)
	switch {
	case len(s.addrs) > 0:
		b.WriteString(" → " + strings.Join(s.addrs, " "))
		if s.via != "" {
			b.WriteString(" (via " + s.via + ")")
		}
	case s.failed != "":
		b.WriteString(" → no address: " + s.failed)
	case s.ended:
		b.WriteString(" → no address")
	default:
		b.WriteString(" → looking up its address…")
	}
	if s.reused {
		b.WriteString(", looked up earlier in this run")
	}
	return clean(b.String())
}

// lookupWords is one lookup's result: its addresses, or how it ended.
func lookupWords(l *trace.Lookup) string {
	switch {
	case len(l.Addrs) > 0:
		return strings.Join(l.Addrs, " ")
	case l.Outcome.Rcode == trace.RcodeNoData:
		return "no " + l.Type + " records"
	case l.Outcome.Rcode == trace.RcodeNXDomain:
		return "the name does not exist"
	case l.Outcome.Rcode == trace.RcodeServFail:
		return "the lookup failed"
	case l.Outcome.Rcode == "":
		return "looking up…"
	}
	return l.Outcome.Rcode
}
