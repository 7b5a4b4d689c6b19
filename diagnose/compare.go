package diagnose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
)

// Comparison is what several resolvers answered to one question, the
// trace that gives the authoritative truth, and the findings that explain
// the differences.
type Comparison struct {
	Query     trace.Question           `json:"query"`
	Resolvers []*trace.ResolverReply   `json:"resolvers"`
	Rounds    [][]*trace.ResolverReply `json:"rounds,omitempty"`
	Trace     *Report                  `json:"trace,omitempty"`
	Findings  []Finding                `json:"findings"`
}

var ruleResolverOutcomeSplit = &Rule{
	ID: "resolver-outcome-split", Severity: Error,
	Title: "the resolvers disagree",
	Doc: "Resolvers asked the same question give different rcodes or answers. ddx traces the name from the root and " +
		"matches the divergence to its cause: parent servers that disagree, a zone unreachable from one path, a child " +
		"NS set that overrides the parent's, a cached or stale answer, a resolver that filters.",
	Fix:  "Fix the zone problem the trace shows; flush the disagreeing resolver's cache for the name if it holds old data.",
	Refs: []string{"RFC 2308 §7", "RFC 2181 §5.4.1", "RFC 8767"},
}

var ruleTTLNotHonoured = &Rule{
	ID: "ttl-not-honoured", Severity: Warning,
	Title: "a resolver stretches TTLs",
	Doc: "A resolver returns a TTL larger than the authoritative one, or a TTL that does not count down between " +
		"repeated queries. It keeps old data after the zone changes, so a renumbering or a failover reaches its users late.",
	Fix:  "Remove TTL floors (cache-min-ttl / min-cache-ttl) on the resolver, or accept that changes reach its users only after that time.",
	Refs: []string{"RFC 1035 §3.2.1", "RFC 2181 §8", "RFC 8767"},
}

var ruleResolverNoRecursion = &Rule{
	ID: "resolver-no-recursion", Severity: Error,
	Title: "a server given as a resolver does not recurse",
	Doc: "The server given as a resolver answers a recursive query (RD=1) with RA=0: it is an authoritative-only " +
		"server. A stub resolver pointed at it gets answers only for the zones it serves.",
	Fix:  "Point clients at a recursive resolver, or enable recursion (for your own clients only) on the server.",
	Refs: []string{"RFC 4697 §2.10", "RFC 1035 §4.1.1"},
}

// Outcome is a resolver's answer reduced for comparison: the rcode
// (NODATA apart from NOERROR) and the answer records without TTLs.
func Outcome(r *trace.ResolverReply, qtype uint16) string {
	if r.Error != "" {
		return "no reply"
	}
	rcode := r.Rcode
	var keys []string
	for _, rr := range r.Answers {
		keys = append(keys, rr.Type+" "+rr.Data)
	}
	if rcode == "NOERROR" && len(keys) == 0 {
		rcode = "NODATA"
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return rcode
	}
	return rcode + ": " + strings.Join(keys, ", ")
}

// Compare explains how resolvers differ, using the trace (may be nil).
func Compare(c *Comparison) []Finding {
	var out []Finding
	qtype := c.Query.Qtype
	for _, r := range c.Resolvers {
		if r.Error == "" && !r.RA {
			out = append(out, ruleResolverNoRecursion.stamp(Error, Finding{
				Zone: c.Query.Name, Servers: []string{r.Address},
				Summary:     r.Address + " does not offer recursion",
				Explanation: fmt.Sprintf("%s answered %s to a recursive query (RD=1) with RA=0: it is an authoritative-only server, not a resolver. A stub resolver (or /etc/resolv.conf) pointed at it gets answers only for the zones it serves and REFUSED or referrals for everything else.", r.Address, r.Rcode),
				Fix:         "Point clients at a recursive resolver, or enable recursion (for your own clients only) on " + r.Address + ".",
			}))
		}
	}
	out = append(out, transportFailures(c)...)
	verdicts := notAuthoritative(c)
	out = append(out, answerNotAuthoritative(c, verdicts)...)
	out = append(out, outcomeSplit(c, qtype, verdicts)...)
	out = append(out, ttlStretch(c)...)
	markInsecure(c, out)
	sortFindings(out)
	return out
}

// markInsecure says, in every finding about a resolver asked with
// --tls-insecure, that nothing about it was verified.
func markInsecure(c *Comparison, fs []Finding) {
	insecure := map[string]bool{}
	for _, r := range c.Resolvers {
		if r.Insecure {
			insecure[r.Address] = true
		}
	}
	if len(insecure) == 0 {
		return
	}
	for i := range fs {
		var who []string
		for _, s := range fs[i].Servers {
			if insecure[s] {
				who = append(who, s)
			}
		}
		if len(who) == 0 {
			continue
		}
		fs[i].Summary += " [TLS NOT VERIFIED]"
		fs[i].Explanation += fmt.Sprintf(" Nothing about %s was verified (--tls-insecure): the certificate was not checked, so the answer may come from anyone on the path.", list(who))
	}
}

func outcomeSplit(c *Comparison, qtype uint16, verdicts map[*trace.ResolverReply]filterVerdict) []Finding {
	groups := map[string][]*trace.ResolverReply{}
	var order []string
	for _, r := range c.Resolvers {
		if r.Failure != nil {
			continue // resolver-transport-failure: it was not asked at all
		}
		k := Outcome(r, qtype)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	if len(groups) < 2 {
		return nil
	}
	var parts, addrs []string
	for _, k := range order {
		var who []string
		for _, r := range groups[k] {
			who = append(who, r.Address)
			addrs = append(addrs, r.Address)
		}
		parts = append(parts, fmt.Sprintf("%s said %s", list(who), k))
	}
	why := splitCause(c, groups, order, verdicts)
	return []Finding{ruleResolverOutcomeSplit.stamp(Error, Finding{
		Zone: c.Query.Name, Servers: addrs,
		Summary:     fmt.Sprintf("the resolvers disagree about %s %s", c.Query.Name, c.Query.Type),
		Explanation: strings.Join(parts, "; ") + ". " + why,
		Fix:         splitFix(c, groups, order, verdicts),
	})}
}

// filtered returns the verdict shared by a group of resolvers that all
// failed to give the authoritative answer, if one does.
func filtered(rs []*trace.ResolverReply, verdicts map[*trace.ResolverReply]filterVerdict) (filterVerdict, bool) {
	var v filterVerdict
	for i, r := range rs {
		w, ok := verdicts[r]
		if !ok {
			return filterVerdict{}, false
		}
		if i == 0 {
			v = w
		}
	}
	return v, len(rs) > 0
}

// splitCause matches the resolvers' disagreement to what the trace saw.
func splitCause(c *Comparison, groups map[string][]*trace.ResolverReply, order []string, verdicts map[*trace.ResolverReply]filterVerdict) string {
	var ede []string
	for _, r := range c.Resolvers {
		for _, e := range r.EDE {
			t := fmt.Sprintf("%s reported Extended DNS Error %d (%s)", r.Address, e.Code, e.Name)
			if e.Text != "" {
				t += ": " + e.Text
			}
			ede = append(ede, t)
		}
	}
	edeText := ""
	if len(ede) > 0 {
		edeText = " " + strings.Join(ede, "; ") + "."
	}
	if c.Trace == nil {
		return "No trace was made, so the cause is unknown." + edeText
	}
	t := c.Trace
	o := t.Outcome
	var b strings.Builder
	switch o.Rcode {
	case trace.RcodeDepends:
		b.WriteString("The trace shows why: the outcome depends on which servers a resolver asks. ")
		for _, e := range o.Ends {
			fmt.Fprintf(&b, "%s when %s. ", e.Rcode, e.Why)
		}
		for _, k := range order {
			rc := strings.SplitN(k, ":", 2)[0]
			for _, e := range o.Ends {
				if e.Rcode == rc || (rc == "NOERROR" && e.Rcode == trace.RcodeNoError) {
					fmt.Fprintf(&b, "%s got %s, the answer of that path. ", addrList(groups[k]), rc)
					break
				}
			}
		}
		if hasFinding(t, "parent-servers-disagree") {
			b.WriteString("The parent zone's servers disagree (see parent-servers-disagree): a resolver that cached the stale delegation keeps failing until it expires.")
		}
	case trace.RcodeServFail:
		fmt.Fprintf(&b, "The trace from the root fails now: %s. Resolvers that still answer are serving from their cache (possibly stale data, RFC 8767) or see the zone through another path.", o.Explanation)
	case trace.RcodeNXDomain:
		dnssec := dnssecSplit(c.Trace, groups, order)
		expl := o.Explanation
		if i := strings.Index(expl, ". Validating resolvers: "); i >= 0 && dnssec != "" {
			expl = expl[:i] // said below, with who is who
		}
		fmt.Fprintf(&b, "The authoritative servers say the name does not exist (%s). ", expl)
		rest := false
		for _, k := range order {
			if v, ok := filtered(groups[k], verdicts); ok {
				fmt.Fprintf(&b, "%s gave %s: %s (see resolver-answer-not-authoritative). ", addrList(groups[k]), k, v.cause)
			} else if k != trace.RcodeNXDomain && (dnssec == "" || !strings.HasPrefix(k, "SERVFAIL")) {
				rest = true
			}
		}
		if rest {
			b.WriteString("Resolvers that answer otherwise have it cached from before it was removed, or rewrite answers. ")
		}
		b.WriteString(dnssec)
	default:
		answers, _, _ := authoritative(t.Trace)
		var rrs []trace.RR
		for _, rr := range answers {
			rrs = append(rrs, rr)
		}
		sort.Slice(rrs, func(i, j int) bool { return rrs[i].Key() < rrs[j].Key() })
		fmt.Fprintf(&b, "The authoritative servers answer %s %s. ", o.Rcode, strings.Join(rdata(rrs), ", "))
		truth := Outcome(&trace.ResolverReply{Rcode: "NOERROR", Answers: rrs}, 0)
		if o.Rcode == trace.RcodeNoData {
			truth = "NODATA"
		}
		// Validating resolvers' SERVFAIL on a broken chain of trust: name
		// the DNSSEC finding, the commonest cause of such a split.
		dnssec := dnssecSplit(c.Trace, groups, order)
		for _, k := range order {
			if k == truth {
				fmt.Fprintf(&b, "%s agree%s with them. ", addrList(groups[k]), plural(len(groups[k])))
				continue
			}
			if dnssec != "" && strings.HasPrefix(k, "SERVFAIL") {
				continue
			}
			if v, ok := filtered(groups[k], verdicts); ok {
				fmt.Fprintf(&b, "%s gave %s: %s (see resolver-answer-not-authoritative). ", addrList(groups[k]), k, v.cause)
				continue
			}
			switch {
			case strings.HasPrefix(k, "SERVFAIL") || k == "no reply":
				fmt.Fprintf(&b, "%s failed: it could not get an answer from the authoritative servers from where it is (network path, EDNS or TCP problems, or a validation failure). ", addrList(groups[k]))
			case k == "REFUSED":
				fmt.Fprintf(&b, "%s refused: it does not serve this client (access control: allow-query, access-control) or refuses the name by policy. ", addrList(groups[k]))
			default:
				fmt.Fprintf(&b, "%s gave %s: a cached answer from before a change, or a resolver that filters or rewrites (RPZ). ", addrList(groups[k]), k)
			}
		}
		b.WriteString(dnssec)
	}
	for _, id := range []string{"ns-parent-child-mismatch", "answer-inconsistent", "soa-serial-mismatch", "zone-unreachable", "server-timeout", "edns-noncompliance", "tcp-failure"} {
		if f := findingOf(t, id); f != nil {
			fmt.Fprintf(&b, " The trace also found %s in %s: %s.", id, f.Zone, f.Summary)
		}
	}
	return strings.TrimSpace(b.String()) + edeText
}

func splitFix(c *Comparison, groups map[string][]*trace.ResolverReply, order []string, verdicts map[*trace.ResolverReply]filterVerdict) string {
	for _, k := range order {
		if v, ok := filtered(groups[k], verdicts); ok {
			return v.fix
		}
	}
	if c.Trace != nil && dnssecSplit(c.Trace, groups, order) != "" {
		return dnssecSplitFix(c.Trace)
	}
	if c.Trace != nil && hasFinding(c.Trace, "parent-servers-disagree") {
		return "Fix the parent server that serves the stale delegation; resolvers converge once their cached delegation expires (or flush it: rndc flushname, unbound-control flush_zone)."
	}
	return "Fix the zone problems the trace shows; flush the disagreeing resolver's cache for the name if it holds old data."
}

func addrList(rs []*trace.ResolverReply) string {
	var a []string
	for _, r := range rs {
		a = append(a, r.Address)
	}
	return list(a)
}

func hasFinding(r *Report, id string) bool { return findingOf(r, id) != nil }

func findingOf(r *Report, id string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].ID == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// SortFindings orders findings most severe first, then by zone and ID.
func SortFindings(fs []Finding) { sortFindings(fs) }

// ttlStretch: resolvers returning a TTL above the authoritative one, or
// TTLs that do not count down between repeated queries.
func ttlStretch(c *Comparison) []Finding {
	var out []Finding
	auth, negTTL, negative := map[string]trace.RR{}, uint32(0), false
	if c.Trace != nil {
		auth, negTTL, negative = authoritative(c.Trace.Trace)
	}
	for _, r := range c.Resolvers {
		var bad []string
		for _, rr := range r.Answers {
			if a, ok := auth[rr.Key()]; ok && rr.TTL > a.TTL {
				bad = append(bad, fmt.Sprintf("%s %s with TTL %d (the authoritative TTL is %d)", rr.Name, rr.Type, rr.TTL, a.TTL))
			}
		}
		// A negative answer is cached for its SOA's TTL (RFC 2308 §5).
		if negative && r.Error == "" && (r.Rcode == "NXDOMAIN" || r.Rcode == "NOERROR" && len(r.Answers) == 0) {
			for _, rr := range r.Authority {
				if rr.Type == "SOA" && rr.TTL > negTTL {
					bad = append(bad, fmt.Sprintf("a negative answer (%s) cached for %d s (the authoritative negative TTL is %d s)", r.Rcode, rr.TTL, negTTL))
					break
				}
			}
		}
		if stuck := ttlStuck(c.Rounds, r.Address); stuck != "" {
			bad = append(bad, stuck)
		}
		if len(bad) == 0 {
			continue
		}
		out = append(out, ruleTTLNotHonoured.stamp(Warning, Finding{
			Zone: c.Query.Name, Servers: []string{r.Address},
			Summary:     r.Address + " does not honour the records' TTL",
			Explanation: fmt.Sprintf("%s returned %s. A resolver that stretches TTLs (cache-min-ttl, serve-stale) keeps old data after the zone changes, so a renumbering or a failover reaches its users late; software that ignores TTLs entirely keeps old addresses until restarted.", r.Address, strings.Join(bad, "; ")),
		}))
	}
	return out
}

// ttlStuck reports a TTL that did not decrease between rounds spaced by
// at least two seconds.
func ttlStuck(rounds [][]*trace.ResolverReply, addr string) string {
	var prev *trace.ResolverReply
	for _, round := range rounds {
		for _, r := range round {
			if r.Address != addr || r.Error != "" || len(r.Answers) == 0 {
				continue
			}
			if prev != nil && r.At.Sub(prev.At).Seconds() >= 2 && len(prev.Answers) > 0 && r.Answers[0].Key() == prev.Answers[0].Key() && r.Answers[0].TTL >= prev.Answers[0].TTL && r.Answers[0].TTL > 0 {
				return fmt.Sprintf("the TTL of %s %s stayed at %d across queries %.0f s apart instead of counting down", r.Answers[0].Name, r.Answers[0].Type, r.Answers[0].TTL, r.At.Sub(prev.At).Seconds())
			}
			prev = r
		}
	}
	return ""
}
