package diagnose

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

var ruleResolverAnswerNotAuthoritative = &Rule{
	ID: "resolver-answer-not-authoritative", Severity: Error,
	Title: "a resolver returns what no authoritative server serves",
	Doc: "A resolver returns records that no authoritative server of the zone serves, or NXDOMAIN for a name that " +
		"exists. ddx compares the resolver's answer with every authoritative server's answer from the trace and reads " +
		"the Extended DNS Errors the resolver sends (15 Blocked, 16 Censored, 17 Filtered, 4 Forged Answer). The finding " +
		"says which cause the evidence points to: a filtering resolver (a sinkhole address such as 0.0.0.0 or ::, or " +
		"NXDOMAIN for a blocked name), NXDOMAIN rewriting (an address for a name that does not exist), a split-horizon " +
		"view (private addresses for a public name), or a forged answer the resolver admits to (EDE 4). Answers that merely " +
		"differ in public addresses are not reported: content networks answer each resolver differently.",
	Fix: "If the name should resolve for these clients, have it removed from the resolver's blocklist (RPZ, " +
		"allowlist), fix the internal view, or point the clients at a resolver that does not rewrite answers.",
	Refs: []string{"RFC 8914 §4.16", "RFC 8914 §4.17", "RFC 8914 §4.18", "RFC 8914 §4.5", "RFC 1034 §4.3.2", "RFC 2308 §5"},
}

// filterVerdict is why a resolver's answer is not the authoritative one.
type filterVerdict struct {
	cause string // in a few words, for resolver-outcome-split
	words string // the evidence, a sentence
	fix   string
}

// filterEDE returns the first Extended DNS Error by which a resolver says
// it filtered or forged the answer.
func filterEDE(r *trace.ResolverReply) *trace.EDE {
	for i, e := range r.EDE {
		switch e.Code {
		case dns.ExtendedErrorCodeBlocked, dns.ExtendedErrorCodeCensored, dns.ExtendedErrorCodeFiltered, dns.ExtendedErrorCodeForgedAnswer:
			return &r.EDE[i]
		}
	}
	return nil
}

func edeWords(e *trace.EDE) string {
	s := fmt.Sprintf("Extended DNS Error %d (%s)", e.Code, e.Name)
	if e.Text != "" {
		s += ": " + e.Text
	}
	return s
}

// sinkhole reports an address blocking resolvers answer instead of the
// real one: unspecified or loopback.
func sinkhole(a netip.Addr) bool { return a.IsUnspecified() || a.IsLoopback() }

// internal reports an address for a private network (RFC 1918, RFC 6598,
// RFC 4193).
func internal(a netip.Addr) bool {
	return a.IsPrivate() || netip.MustParsePrefix("100.64.0.0/10").Contains(a) || a.IsLinkLocalUnicast()
}

// addrsOf returns the addresses of a resolver's A and AAAA answers that no
// authoritative server serves.
func addrsOf(r *trace.ResolverReply, auth map[string]trace.RR) []netip.Addr {
	var out []netip.Addr
	for _, rr := range r.Answers {
		if rr.Type != "A" && rr.Type != "AAAA" {
			continue
		}
		if _, ok := auth[rr.Key()]; ok {
			continue
		}
		if a, err := netip.ParseAddr(strings.TrimSpace(rr.Data)); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// notAuthoritative judges each resolver's answer against the trace's
// authoritative truth. Without a trace (one resolver asked dig-like) only
// the resolver's own word counts: an Extended DNS Error saying it blocked,
// censored, filtered or forged the answer.
func notAuthoritative(c *Comparison) map[*trace.ResolverReply]filterVerdict {
	out := map[*trace.ResolverReply]filterVerdict{}
	var auth map[string]trace.RR
	truth := ""
	if c.Trace != nil {
		switch c.Trace.Outcome.Rcode {
		case trace.RcodeNoError, trace.RcodeNoData, trace.RcodeNXDomain:
			truth = c.Trace.Outcome.Rcode
			auth, _, _ = authoritative(c.Trace.Trace)
		}
	}
	for _, r := range c.Resolvers {
		if r.Error != "" {
			continue
		}
		e := filterEDE(r)
		if truth == "" {
			if e != nil && c.Trace == nil {
				out[r] = filterVerdict{cause: "it says it filtered the answer",
					words: fmt.Sprintf("%s answered %s and says why: %s. No trace was made to compare with the authoritative servers (ddx compare does).", r.Address, Outcome(r, c.Query.Qtype), edeWords(e)),
					fix:   fixFiltering}
			}
			continue
		}
		if v, ok := judge(c, r, e, truth, auth); ok {
			out[r] = v
		}
	}
	return out
}

const (
	fixFiltering = "If the name should resolve for these clients, have it allowed on the resolver (its blocklist, RPZ or filtering policy), or point the clients at a resolver that does not filter it. Browsers that use their own DoH resolver bypass the system's filtering, and the other way round."
	fixRewrite   = "Point the clients at a resolver that returns NXDOMAIN as the authoritative servers do (many ISPs offer an opt-out from NXDOMAIN redirection); software that checks whether names exist (mail, TLS, CDNs) is misled by rewritten answers."
	fixView      = "The resolver serves an internal view of the zone (BIND views, Unbound local-data, an AD-integrated zone): make the internal data agree with the public zone, or make sure only internal clients use it."
)

func judge(c *Comparison, r *trace.ResolverReply, e *trace.EDE, truth string, auth map[string]trace.RR) (filterVerdict, bool) {
	said := Outcome(r, c.Query.Qtype)
	why := ""
	if e != nil {
		why = " It says why: " + edeWords(e) + "."
	}
	authSaid := "the authoritative servers answer " + truth
	if truth == trace.RcodeNoError {
		var rrs []trace.RR
		for _, rr := range auth {
			rrs = append(rrs, rr)
		}
		sort.Slice(rrs, func(i, j int) bool { return rrs[i].Key() < rrs[j].Key() })
		authSaid += " " + strings.Join(rdata(rrs), ", ")
	}
	foreign := addrsOf(r, auth)
	var sink, private []string
	for _, a := range foreign {
		switch {
		case sinkhole(a):
			sink = append(sink, a.String())
		case internal(a):
			private = append(private, a.String())
		}
	}
	switch {
	case r.Rcode == "NXDOMAIN" && truth != trace.RcodeNXDomain:
		v := filterVerdict{cause: "it blocks the name with NXDOMAIN", fix: fixFiltering}
		if e != nil {
			v.words = fmt.Sprintf("%s says NXDOMAIN, but the name exists: %s.%s A filtering resolver blocks the name.", r.Address, authSaid, why)
		} else {
			v.cause = "it says NXDOMAIN for a name that exists"
			v.words = fmt.Sprintf("%s says NXDOMAIN, but the name exists: %s. The resolver gives no reason (no Extended DNS Error); the evidence points to a resolver that blocks the name without saying so (several public filtering resolvers answer NXDOMAIN), a split-horizon view that lacks the name, or a negative answer cached from before the name was created (it expires with the SOA's negative TTL).", r.Address, authSaid)
		}
		return v, true
	case len(sink) > 0:
		return filterVerdict{cause: "it answers a sinkhole address (" + strings.Join(sink, ", ") + ")", fix: fixFiltering,
			words: fmt.Sprintf("%s answers %s, a sinkhole address that no authoritative server serves (%s).%s A filtering or blocking resolver (an ad or malware blocklist, RPZ, a parental filter) answers it so that clients connect nowhere.", r.Address, strings.Join(sink, ", "), authSaid, why)}, true
	case len(private) > 0 && len(foreign) == len(private):
		return filterVerdict{cause: "it serves an internal (split-horizon) view", fix: fixView,
			words: fmt.Sprintf("%s answers the private address%s %s, which no authoritative server serves (%s).%s The evidence points to a split-horizon view: the resolver serves its own internal version of the zone.", r.Address, pluralES(len(private)), strings.Join(private, ", "), authSaid, why)}, true
	case truth == trace.RcodeNXDomain && len(r.Answers) > 0 && r.Rcode == "NOERROR":
		if e != nil {
			return filterVerdict{cause: "it forges an answer for a name that does not exist", fix: fixFiltering,
				words: fmt.Sprintf("%s answers %s for a name the authoritative servers say does not exist (NXDOMAIN).%s", r.Address, said, why)}, true
		}
		return filterVerdict{cause: "it rewrites NXDOMAIN into an answer", fix: fixRewrite,
			words: fmt.Sprintf("%s answers %s for a name the authoritative servers say does not exist (NXDOMAIN). The evidence points to NXDOMAIN rewriting (a resolver that sends users to a search or advertising page), or to an answer cached from before the name was removed, until its TTL runs out.", r.Address, said)}, true
	case e != nil && said != truthOutcome(truth, auth):
		return filterVerdict{cause: "it filters the answer (" + e.Name + ")", fix: fixFiltering,
			words: fmt.Sprintf("%s answers %s, where %s.%s", r.Address, said, authSaid, why)}, true
	}
	return filterVerdict{}, false
}

// truthOutcome is the authoritative answer in the form of Outcome.
func truthOutcome(truth string, auth map[string]trace.RR) string {
	if truth != trace.RcodeNoError {
		return truth
	}
	var rrs []trace.RR
	for _, rr := range auth {
		rrs = append(rrs, rr)
	}
	return Outcome(&trace.ResolverReply{Rcode: "NOERROR", Answers: rrs}, 0)
}

func pluralES(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}

// answerNotAuthoritative reports the verdicts as findings.
func answerNotAuthoritative(c *Comparison, verdicts map[*trace.ResolverReply]filterVerdict) []Finding {
	var out []Finding
	for _, r := range c.Resolvers {
		v, ok := verdicts[r]
		if !ok {
			continue
		}
		out = append(out, ruleResolverAnswerNotAuthoritative.stamp(Error, Finding{
			Zone: c.Query.Name, Servers: []string{r.Address},
			Summary:     fmt.Sprintf("%s does not give the authoritative answer for %s %s: %s", r.Address, c.Query.Name, c.Query.Type, v.cause),
			Explanation: v.words,
			Fix:         v.fix,
		}))
	}
	return out
}
