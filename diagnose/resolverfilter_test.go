package diagnose_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func answerA(addr, data string, ede ...trace.EDE) *trace.ResolverReply {
	return &trace.ResolverReply{Address: addr, Rcode: "NOERROR", RA: true, EDE: ede,
		Answers: []trace.RR{{Name: "www.healthy.test.", Type: "A", TTL: 300, Data: data}}}
}

func rcodeOnly(addr, rcode string, ede ...trace.EDE) *trace.ResolverReply {
	return &trace.ResolverReply{Address: addr, Rcode: rcode, RA: true, EDE: ede}
}

func findingOf(fs []diagnose.Finding, id string) *diagnose.Finding {
	for i := range fs {
		if fs[i].ID == id {
			return &fs[i]
		}
	}
	return nil
}

// A resolver that filters is told apart from one with old data or a
// content network's other addresses: the trace gives the authoritative
// answer, the resolver's Extended DNS Error says why where it sends one.
func TestAnswerNotAuthoritative(t *testing.T) {
	t.Parallel()
	exists := report(t, "www.healthy.test", dns.TypeA, false)
	gone := report(t, "nosuch.healthy.test", dns.TypeA, false)
	if gone.Outcome.Rcode != trace.RcodeNXDomain {
		t.Fatalf("nosuch.healthy.test: %s", gone.Outcome.Rcode)
	}
	q := trace.Question{Name: "www.healthy.test.", Type: "A", Qtype: dns.TypeA}
	blocked := trace.EDE{Code: 15, Name: "Blocked", Text: "ads"}
	filtered := trace.EDE{Code: 17, Name: "Filtered"}
	clean := answerA("clean", "192.0.2.80")
	for _, tc := range []struct {
		name  string
		trace *diagnose.Report
		r     *trace.ResolverReply
		words []string // in the finding; nil: no finding
		split string   // in resolver-outcome-split's explanation
	}{
		{"sinkhole with EDE 15", exists, answerA("filter", "0.0.0.0", blocked),
			[]string{"sinkhole address (0.0.0.0)", "0.0.0.0, a sinkhole address", "Extended DNS Error 15 (Blocked): ads", "192.0.2.80"},
			"filter gave NOERROR: A 0.0.0.0: it answers a sinkhole address (0.0.0.0) (see resolver-answer-not-authoritative)"},
		{"sinkhole ::", exists, &trace.ResolverReply{Address: "filter", Rcode: "NOERROR", RA: true, Answers: []trace.RR{{Name: "www.healthy.test.", Type: "AAAA", TTL: 60, Data: "::"}}},
			[]string{"sinkhole address (::)"}, "sinkhole"},
		{"NXDOMAIN with EDE 17", exists, rcodeOnly("filter", "NXDOMAIN", filtered),
			[]string{"blocks the name with NXDOMAIN", "the name exists", "Extended DNS Error 17 (Filtered)"}, "it blocks the name with NXDOMAIN"},
		{"NXDOMAIN without a reason", exists, rcodeOnly("filter", "NXDOMAIN"),
			[]string{"NXDOMAIN for a name that exists", "no Extended DNS Error", "split-horizon", "negative answer cached"}, "NXDOMAIN for a name that exists"},
		{"NXDOMAIN rewritten", gone, answerA("isp", "198.51.100.77"),
			[]string{"rewrites NXDOMAIN", "search or advertising page"}, "rewrites NXDOMAIN"},
		{"split horizon", exists, answerA("office", "10.1.2.3"),
			[]string{"internal (split-horizon) view", "private address 10.1.2.3"}, "split-horizon"},
		{"refused with EDE 16", exists, rcodeOnly("censor", "REFUSED", trace.EDE{Code: 16, Name: "Censored"}),
			[]string{"filters the answer (Censored)"}, "Censored"},
		// Near misses.
		{"another public address (a CDN)", exists, answerA("cdn", "203.0.113.7"), nil, ""},
		{"EDE 15 on the authoritative answer", exists, answerA("filter", "192.0.2.80", blocked), nil, ""},
		{"NXDOMAIN, as the authoritative servers say", gone, rcodeOnly("filter", "NXDOMAIN", blocked), nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			qq := q
			if tc.trace == gone {
				qq.Name = "nosuch.healthy.test."
			}
			c := &diagnose.Comparison{Query: qq, Trace: tc.trace, Resolvers: []*trace.ResolverReply{clean, tc.r}}
			if tc.trace == gone {
				c.Resolvers[0] = rcodeOnly("clean", "NXDOMAIN")
			}
			fs := diagnose.Compare(c)
			f := findingOf(fs, "resolver-answer-not-authoritative")
			if tc.words == nil {
				if f != nil {
					t.Fatalf("unexpected finding: %s\n%s", f.Summary, f.Explanation)
				}
				return
			}
			if f == nil {
				t.Fatalf("no resolver-answer-not-authoritative in %v", fs)
			}
			if f.Severity != diagnose.Error || len(f.Servers) != 1 || f.Servers[0] != tc.r.Address {
				t.Errorf("finding %+v", f)
			}
			for _, w := range tc.words {
				if !strings.Contains(f.Summary+" "+f.Explanation, w) {
					t.Errorf("finding lacks %q:\n%s\n%s", w, f.Summary, f.Explanation)
				}
			}
			split := findingOf(fs, "resolver-outcome-split")
			if split == nil || !strings.Contains(split.Explanation, tc.split) {
				t.Errorf("resolver-outcome-split does not name the cause %q: %+v", tc.split, split)
			}
		})
	}

	// Without a trace (one resolver asked dig-like), only the resolver's
	// own word counts.
	one := func(r *trace.ResolverReply) *diagnose.Finding {
		return findingOf(diagnose.Compare(&diagnose.Comparison{Query: q, Resolvers: []*trace.ResolverReply{r}}), "resolver-answer-not-authoritative")
	}
	if f := one(answerA("filter", "0.0.0.0", blocked)); f == nil || !strings.Contains(f.Explanation, "No trace was made") {
		t.Errorf("no trace, EDE 15: %+v", f)
	}
	if f := one(answerA("filter", "0.0.0.0")); f != nil {
		t.Errorf("no trace, no EDE: %+v", f)
	}
}
