package diagnose_test

import (
	"strings"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

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
