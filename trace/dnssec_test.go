package trace_test

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// doRecorder notes whether every query with EDNS carried the DO bit.
type doRecorder struct {
	trace.Exchanger
	mu        sync.Mutex
	withDO    int
	withoutDO int
}

func (d *doRecorder) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	if opt := m.IsEdns0(); opt != nil {
		d.mu.Lock()
		if opt.Do() {
			d.withDO++
		} else {
			d.withoutDO++
		}
		d.mu.Unlock()
	}
	return d.Exchanger.Exchange(ctx, m, ap, transport)
}

// TestDNSSECQuestions: queries carry DO; every parent server that refers
// to a zone is asked its DS, and every server of a zone its DNSKEY, as
// ordinary queries of the trace.
func TestDNSSECQuestions(t *testing.T) {
	t.Parallel()
	u := demo(t)
	rec := &doRecorder{Exchanger: u}
	cfg := cfgFor(u)
	cfg.Exchanger = rec
	tr := runTrace(t, cfg, "www.secure.test", dns.TypeA)
	if rec.withDO == 0 || rec.withoutDO != 0 {
		t.Errorf("%d queries with DO, %d with EDNS but without", rec.withDO, rec.withoutDO)
	}
	for _, c := range []struct {
		zone    string
		purpose trace.Purpose
		name    string
	}{
		{".", trace.PurposeDNSKEY, "."},
		{".", trace.PurposeDS, "test."},
		{"test.", trace.PurposeDNSKEY, "test."},
		{"test.", trace.PurposeDS, "secure.test."},
		{"secure.test.", trace.PurposeDNSKEY, "secure.test."},
	} {
		st := stepFor(t, tr, c.zone)
		for _, s := range st.Servers {
			found := false
			for _, q := range s.Queries {
				if q.Purpose == c.purpose && q.Name == c.name && q.OK() {
					found = true
					if len(q.Reply.Answer) == 0 || !strings.Contains(q.Answer[len(q.Answer)-1], "RRSIG") {
						t.Errorf("%s: %s %s answered without a signature: %v", s.Label(), c.purpose, c.name, q.Answer)
					}
				}
			}
			if !found {
				t.Errorf("%s of %s was not asked %s %s", s.Label(), c.zone, c.purpose, c.name)
			}
		}
	}
}

// TestTrustAnchorSources: the built-in IANA keys with the built-in hints,
// the given ones, the universe's own, and none for roots given without.
func TestTrustAnchorSources(t *testing.T) {
	t.Parallel()
	u := demo(t)
	given, err := trace.ParseTrustAnchors(strings.NewReader(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"), "anchor")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cfg  trace.Config
		want string
	}{
		{"universe", cfgFor(u), "universe"},
		{"given", trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond, TrustAnchors: given}, "config"},
		{"private root", trace.Config{Roots: u.Roots(), Exchanger: struct{ trace.Exchanger }{u}, Timeout: 50 * time.Millisecond}, "none"},
		{"built-in hints", trace.Config{Exchanger: struct{ trace.Exchanger }{u}, Timeout: time.Millisecond, Budget: trace.Budget{Queries: 1}}, "builtin"},
	} {
		tr := runTrace(t, c.cfg, "www.secure.test", dns.TypeA)
		if got := tr.Config.DNSSEC.AnchorSource; got != c.want {
			t.Errorf("%s: anchors from %s, want %s", c.name, got, c.want)
		}
		if c.want == "none" && len(tr.Config.DNSSEC.Anchors) != 0 {
			t.Errorf("%s: anchors %v", c.name, tr.Config.DNSSEC.Anchors)
		}
	}
}

func TestParseTrustAnchors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		fail string
	}{
		{". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n", 2, ""},
		{"; a comment\n. 3600 IN DNSKEY 257 3 15 vlcThg2GQUqTopP8iG6/TNycTi4Re+c8t13fReJrIe8=\n", 1, ""},
		{". IN A 192.0.2.1\n", 0, "not a DS or DNSKEY"},
		{"", 0, "no DS or DNSKEY"},
		{". IN DS 20326 8 2 ZZ\n", 0, "anchor"},
	} {
		rrs, err := trace.ParseTrustAnchors(strings.NewReader(c.in), "anchor")
		switch {
		case c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)):
			t.Errorf("%q: error %v, want %q", c.in, err, c.fail)
		case c.fail == "" && (err != nil || len(rrs) != c.n):
			t.Errorf("%q: %d records, %v", c.in, len(rrs), err)
		}
	}
}
