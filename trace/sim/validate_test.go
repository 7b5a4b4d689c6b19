package sim_test

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// The demo's validating resolver answers secure names with AD, and bogus
// ones with SERVFAIL and the extended error of what breaks the chain;
// the plain resolver answers both, without AD.
func TestValidatingResolver(t *testing.T) {
	t.Parallel()
	u := demo(t)
	validating, plain := ap("198.51.100.204"), ap("198.51.100.205")
	for _, tc := range []struct {
		name  string
		rcode string // of the validating resolver
		ad    bool
		ede   string // "CODE finding", of the validating resolver
		plain string // the plain resolver's rcode
	}{
		{"www.secure.test.", "NOERROR", true, "", "NOERROR"},
		{"nosuch.secure.test.", "NXDOMAIN", true, "", "NXDOMAIN"},
		{"www.healthy.test.", "NOERROR", false, "", "NOERROR"}, // insecure: healthy.test has no DS
		{"www.island.test.", "NOERROR", false, "", "NOERROR"},  // signed, no DS: insecure
		{"www.expiring.test.", "NOERROR", true, "", "NOERROR"}, // still valid
		{"www.dsmismatch.test.", "SERVFAIL", false, "9 ds-mismatch in dsmismatch.test.", "NOERROR"},
		{"www.dsunsigned.test.", "SERVFAIL", false, "9 ds-for-unsigned-zone", "NOERROR"},
		{"www.expired.test.", "SERVFAIL", false, "7 rrsig-expired", "NOERROR"},
		{"www.future.test.", "SERVFAIL", false, "8 rrsig-not-yet-valid", "NOERROR"},
		{"www.badsig.test.", "SERVFAIL", false, "6 rrsig-invalid", "NOERROR"},
		{"www.zsksigned.test.", "SERVFAIL", false, "10 dnskey-not-signed-by-ds", "NOERROR"}, // as the lab's Unbound says
		{"www.sigless.test.", "SERVFAIL", false, "10 rrsig-missing", "NOERROR"},
		{"nosuch.unproved.test.", "SERVFAIL", false, "12 nsec-proof-invalid", "NXDOMAIN"},
		{"www.dead.test.", "SERVFAIL", false, "22 at delegation", "SERVFAIL"}, // fails before validation
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := trace.ResolverOptions{Exchanger: u, Timeout: 5 * time.Second}
			r := trace.AskResolver(context.Background(), validating, tc.name, dns.TypeA, o)
			if r.Error != "" || r.Rcode != tc.rcode || r.AD != tc.ad {
				t.Fatalf("validating: %s AD=%v (error %q), want %s AD=%v; EDE %+v", r.Rcode, r.AD, r.Error, tc.rcode, tc.ad, r.EDE)
			}
			if tc.rcode == "SERVFAIL" && len(r.Answers) != 0 {
				t.Errorf("SERVFAIL with answers: %v", r.Answers)
			}
			var ede string
			for _, e := range r.EDE {
				ede += strconv.Itoa(int(e.Code)) + " " + e.Text
			}
			if tc.ede == "" && ede != "" || !strings.HasPrefix(ede, tc.ede) {
				t.Errorf("EDE %q, want %q…", ede, tc.ede)
			}
			p := trace.AskResolver(context.Background(), plain, tc.name, dns.TypeA, o)
			if p.Rcode != tc.plain || p.AD || len(p.EDE) != 0 && tc.plain != "SERVFAIL" {
				t.Errorf("plain: %s AD=%v EDE %+v, want %s without AD", p.Rcode, p.AD, p.EDE, tc.plain)
			}
		})
	}
}

// exchange sends one recursive query with the given flags to a resolver
// of u (DO through EDNS).
func exchange(t *testing.T, u *sim.Universe, to netip.AddrPort, name string, ad, do, cd bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.RecursionDesired, m.AuthenticatedData, m.CheckingDisabled = true, ad, cd
	m.SetEdns0(1232, do)
	r, _, err := u.Exchange(context.Background(), m, to, "udp")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// AD only for a client that asks with AD or DO (RFC 6840 §5.7); CD=1
// turns validation off (RFC 4035 §3.2.2): the bogus answer is given.
func TestValidatingResolverFlags(t *testing.T) {
	t.Parallel()
	u := demo(t)
	v := ap("198.51.100.204")
	for _, tc := range []struct {
		name       string
		ad, do, cd bool
		rcode      int
		wantAD     bool
	}{
		{"www.secure.test.", true, false, false, dns.RcodeSuccess, true},
		{"www.secure.test.", false, true, false, dns.RcodeSuccess, true},
		{"www.secure.test.", false, false, false, dns.RcodeSuccess, false},
		{"www.dsmismatch.test.", false, false, false, dns.RcodeServerFailure, false},
		{"www.dsmismatch.test.", true, false, true, dns.RcodeSuccess, false},
	} {
		r := exchange(t, u, v, tc.name, tc.ad, tc.do, tc.cd)
		if r.Rcode != tc.rcode || r.AuthenticatedData != tc.wantAD {
			t.Errorf("%s AD=%v DO=%v CD=%v: %s AD=%v, want %s AD=%v", tc.name, tc.ad, tc.do, tc.cd,
				dns.RcodeToString[r.Rcode], r.AuthenticatedData, dns.RcodeToString[tc.rcode], tc.wantAD)
		}
	}
}

// The validator judges a trace made at the universe's fixed clock, from
// its trust anchor; without a validator the resolver says so instead of
// passing bogus data as if it validated.
func TestValidatingResolverClockAndNoValidator(t *testing.T) {
	t.Parallel()
	u := demo(t)
	var seen *trace.Trace
	u.SetValidator(func(tr *trace.Trace) (bool, *dns.EDNS0_EDE) { seen = tr; return true, nil })
	r := exchange(t, u, ap("198.51.100.204"), "www.expired.test.", true, false, false)
	if seen == nil || !r.AuthenticatedData {
		t.Fatalf("the validator was not asked (AD=%v)", r.AuthenticatedData)
	}
	if c := seen.Config.DNSSEC; c == nil || c.Time != u.Clock().Unix() || c.AnchorSource != "universe" || len(c.Anchors) != 1 {
		t.Errorf("the validator's trace: %+v, want time %d and the universe's anchor", c, u.Clock().Unix())
	}
	if seen.Query.Name != "www.expired.test." || seen.Outcome.Rcode != trace.RcodeNoError {
		t.Errorf("traced %s: %s", seen.Query.Name, seen.Outcome.Rcode)
	}

	bare, err := sim.Load(ddx.Universe, ddx.UniverseDir) // as demotest does, without SetValidator
	if err != nil {
		t.Fatal(err)
	}
	r = exchange(t, bare, ap("198.51.100.204"), "www.secure.test.", true, false, false)
	opt := r.IsEdns0()
	if r.Rcode != dns.RcodeServerFailure || r.AuthenticatedData || opt == nil || len(opt.Option) != 1 ||
		!strings.Contains(opt.Option[0].(*dns.EDNS0_EDE).ExtraText, "no validator") {
		t.Errorf("without a validator: %v", r)
	}
}
