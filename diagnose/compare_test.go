package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func reply(addr, rcode string, ra bool, ttl uint32, at time.Time) *trace.ResolverReply {
	r := &trace.ResolverReply{Address: addr, Rcode: rcode, RA: ra, At: at}
	if ttl > 0 {
		r.Answers = []trace.RR{{Name: "www.healthy.test.", Type: "A", TTL: ttl, Data: "192.0.2.80"}}
	}
	return r
}

func TestCompareFindings(t *testing.T) {
	t.Parallel()
	rep := report(t, "www.healthy.test", dns.TypeA, false)
	now := time.Now()
	q := trace.Question{Name: "www.healthy.test.", Type: "A", Qtype: dns.TypeA}
	cases := []struct {
		name string
		c    *diagnose.Comparison
		want []string
		not  []string
	}{
		{"agree", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 3600, now), reply("b", "NOERROR", true, 1200, now)}}, nil,
			[]string{"resolver-outcome-split", "ttl-not-honoured", "resolver-no-recursion"}},
		{"split", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 3600, now), reply("b", "SERVFAIL", true, 0, now)}}, []string{"resolver-outcome-split"}, nil},
		{"stretched", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "NOERROR", true, 7200, now)}}, []string{"ttl-not-honoured"}, nil},
		{"no recursion", &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{
			reply("a", "REFUSED", false, 0, now)}}, []string{"resolver-no-recursion"}, nil},
		{"ttl stuck across rounds", &diagnose.Comparison{Query: q, Trace: rep,
			Resolvers: []*trace.ResolverReply{reply("a", "NOERROR", true, 300, now.Add(5*time.Second))},
			Rounds:    [][]*trace.ResolverReply{{reply("a", "NOERROR", true, 300, now)}, {reply("a", "NOERROR", true, 300, now.Add(5*time.Second))}}},
			[]string{"ttl-not-honoured"}, nil},
	}
	for _, c := range cases {
		got := diagnose.Compare(c.c)
		var ids []string
		for _, f := range got {
			ids = append(ids, f.ID)
		}
		all := strings.Join(ids, " ")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: no %s in %v", c.name, w, ids)
			}
		}
		for _, w := range c.not {
			if strings.Contains(all, w) {
				t.Errorf("%s: unexpected %s", c.name, w)
			}
		}
	}
}

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

// A resolver that cannot be asked over its transport is a finding of its
// own, named by its layer, and no party to the outcome split.
func TestTransportFailureFinding(t *testing.T) {
	t.Parallel()
	rep := report(t, "www.healthy.test", dns.TypeA, false)
	q := trace.Question{Name: "www.healthy.test.", Type: "A", Qtype: dns.TypeA}
	broken := &trace.ResolverReply{Address: "tls://127.0.0.1:853", Connect: "127.0.0.1:853", Transport: "tls", RA: false,
		Error: "TLS certificate name mismatch: the certificate is for dns.test, not 127.0.0.1", ConnectMs: 0.4,
		Failure: &trace.TransportFailure{Layer: trace.LayerTLS, Kind: trace.FailNameMismatch, Detail: "TLS certificate name mismatch: the certificate is for dns.test, not 127.0.0.1"}}
	page := &trace.ResolverReply{Address: "https://127.0.0.1/dns-query", Connect: "127.0.0.1:443", Transport: "https", ConnectMs: 0.3, TLSms: 2,
		Error:   "the reply is text/html, not application/dns-message",
		TLS:     &trace.TLSInfo{Version: "TLS 1.3", Subject: "CN=dns.test", Verified: true},
		HTTP:    &trace.HTTPInfo{Method: "POST", Status: 200, ContentType: "text/html"},
		Failure: &trace.TransportFailure{Layer: trace.LayerHTTP, Kind: trace.FailContentType, Detail: "the reply is text/html, not application/dns-message"}}
	insecure := answerA("https://dns.test/dns-query", "0.0.0.0", trace.EDE{Code: 15, Name: "Blocked"})
	insecure.Insecure, insecure.Transport = true, "https"
	c := &diagnose.Comparison{Query: q, Trace: rep, Resolvers: []*trace.ResolverReply{answerA("plain", "192.0.2.80"), broken, page, insecure}}
	fs := diagnose.Compare(c)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID+" "+strings.Join(f.Servers, ","))
		if strings.Contains(strings.ToLower(f.Summary+f.Explanation), "timeout") || strings.Contains(f.Explanation, "no reply within") {
			t.Errorf("%s calls it a timeout: %s", f.ID, f.Explanation)
		}
	}
	want := []string{
		"resolver-answer-not-authoritative https://dns.test/dns-query",
		"resolver-outcome-split plain,https://dns.test/dns-query",
		"resolver-transport-failure tls://127.0.0.1:853",
		"resolver-transport-failure https://127.0.0.1/dns-query",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range fs {
		switch {
		case f.ID == "resolver-transport-failure" && f.Servers[0] == broken.Address:
			for _, w := range []string{"cannot be used over DNS over TLS: certificate name mismatch", "The TCP connection was made in 0.4 ms", "The TLS layer failed: TLS certificate name mismatch"} {
				if !strings.Contains(f.Summary+" "+f.Explanation, w) {
					t.Errorf("DoT failure lacks %q: %s\n%s", w, f.Summary, f.Explanation)
				}
			}
			if !strings.Contains(f.Fix, "subjectAltName") {
				t.Errorf("fix: %s", f.Fix)
			}
		case f.ID == "resolver-transport-failure":
			for _, w := range []string{"The TLS 1.3 handshake succeeded", "The HTTP exchange failed: the reply is text/html"} {
				if !strings.Contains(f.Explanation, w) {
					t.Errorf("DoH failure lacks %q: %s", w, f.Explanation)
				}
			}
		case f.ID == "resolver-answer-not-authoritative", f.ID == "resolver-outcome-split":
			if !strings.Contains(f.Summary, "[TLS NOT VERIFIED]") || !strings.Contains(f.Explanation, "--tls-insecure") {
				t.Errorf("%s does not say that nothing was verified: %s\n%s", f.ID, f.Summary, f.Explanation)
			}
		}
	}
}
