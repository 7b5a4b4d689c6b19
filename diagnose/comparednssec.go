package diagnose

import (
	"fmt"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// dnssecCause is the finding that makes validating resolvers fail where
// others answer: the first that breaks the chain of trust when the
// trace's answer is bogus, or dnssec-inconsistent (bogus through some
// servers only). nil when DNSSEC is not the cause.
func dnssecCause(rep *Report) *Finding {
	if rep == nil {
		return nil
	}
	for i, f := range rep.Findings {
		if _, breaks := ede[f.ID]; breaks && rep.Security == Bogus && f.Severity >= Critical {
			return &rep.Findings[i]
		}
	}
	return findingOf(rep, "dnssec-inconsistent")
}

// dnssecSplit explains a split whose cause is DNSSEC, in the words of the
// outcome: "Validating resolvers: SERVFAIL (DNSSEC bogus: FINDING ...);
// others: ANSWER", then who is who, and whether the failing resolvers'
// extended errors are the ones the finding predicts. It returns "" when
// no resolver answered SERVFAIL or the trace found no broken chain.
func dnssecSplit(rep *Report, groups map[string][]*trace.ResolverReply, order []string) string {
	var failed []*trace.ResolverReply
	var others, answered []string
	for _, k := range order {
		switch {
		case strings.HasPrefix(k, "SERVFAIL"):
			failed = append(failed, groups[k]...)
		case k != "no reply" && k != "REFUSED":
			others = append(others, strings.Replace(k, ": ", " ", 1))
			answered = append(answered, addrList(groups[k]))
		}
	}
	f := dnssecCause(rep)
	if len(failed) == 0 || len(others) == 0 || f == nil {
		return ""
	}
	var b strings.Builder
	state := "DNSSEC bogus"
	if f.ID == "dnssec-inconsistent" {
		state = "DNSSEC bogus through some servers"
	}
	fmt.Fprintf(&b, "Validating resolvers: SERVFAIL (%s: %s in %s: %s); others: %s. ", state, f.ID, f.Zone,
		strings.TrimPrefix(f.Summary, f.Zone+": "), strings.Join(others, "; "))
	fmt.Fprintf(&b, "%s validate%s DNSSEC and fail%s on the broken chain of trust", addrList(failed), plural(len(failed)), plural(len(failed)))
	if f.ID == "dnssec-inconsistent" {
		b.WriteString(" of the servers they asked")
	}
	b.WriteString(edeAgreement(failed, f.ID))
	fmt.Fprintf(&b, "; %s answered because %s not validate", list(answered), doVerb(len(answered) == 1 && !strings.Contains(answered[0], " and ")))
	if f.ID == "dnssec-inconsistent" {
		b.WriteString(", or asked the servers that serve the zone correctly")
	}
	b.WriteString(". ")
	return b.String()
}

// maxEDEShown is how many distinct extended errors of one resolver an
// explanation names before it counts the rest.
const maxEDEShown = 3

// edeAgreement says whether the extended errors of the failing resolvers
// are the one the finding predicts (ede), in parentheses, or "".
func edeAgreement(failed []*trace.ResolverReply, id string) string {
	want, ok := ede[id]
	if !ok {
		return ""
	}
	var match, other, none []string
	who := func(r *trace.ResolverReply) string {
		if len(failed) == 1 {
			return "it"
		}
		return r.Address
	}
	for _, r := range failed {
		var codes []string
		hit, extra := false, 0
		seen := map[uint16]bool{}
		for _, e := range r.EDE {
			hit = hit || strings.HasPrefix(want, fmt.Sprintf("%d ", e.Code))
			switch {
			case seen[e.Code]:
			case len(codes) < maxEDEShown:
				codes = append(codes, fmt.Sprintf("%d (%s)", e.Code, e.Name))
			default:
				extra++ // a reply may carry thousands
			}
			seen[e.Code] = true
		}
		if extra > 0 {
			codes = append(codes, fmt.Sprintf("%d more", extra))
		}
		switch {
		case hit:
			match = append(match, who(r))
		case len(codes) > 0:
			other = append(other, who(r)+" reported "+strings.Join(codes, ", "))
		default:
			none = append(none, who(r))
		}
	}
	var parts []string
	if len(match) > 0 {
		parts = append(parts, fmt.Sprintf("%s reported Extended DNS Error %s, the one %s causes", list(match), want, id))
	}
	if len(other) > 0 {
		parts = append(parts, fmt.Sprintf("%s, not the %s that %s causes: look for a second problem", strings.Join(other, "; "), want, id))
	}
	if len(none) > 0 {
		parts = append(parts, fmt.Sprintf("%s sent no extended error (a validator without RFC 8914 support would send %s)", list(none), want))
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

func doVerb(one bool) string {
	if one {
		return "it does"
	}
	return "they do"
}

// dnssecSplitFix is the fix of a split DNSSEC causes: the finding's.
func dnssecSplitFix(rep *Report) string {
	f := dnssecCause(rep)
	if f == nil {
		return ""
	}
	return fmt.Sprintf("Repair the chain of trust (%s in %s): %s Validating resolvers answer again once the bad data expires from their caches.", f.ID, f.Zone, f.Fix)
}
