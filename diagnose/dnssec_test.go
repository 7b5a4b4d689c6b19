package diagnose_test

import (
	"context"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
	"golang.org/x/tools/txtar"
)

func TestDSMismatch(t *testing.T)                { runFixtures(t, "ds-mismatch") }
func TestDNSKEYNotSignedByDS(t *testing.T)       { runFixtures(t, "dnskey-not-signed-by-ds") }
func TestRRSIGExpired(t *testing.T)              { runFixtures(t, "rrsig-expired") }
func TestRRSIGNotYetValid(t *testing.T)          { runFixtures(t, "rrsig-not-yet-valid") }
func TestRRSIGInvalid(t *testing.T)              { runFixtures(t, "rrsig-invalid") }
func TestRRSIGMissing(t *testing.T)              { runFixtures(t, "rrsig-missing") }
func TestNSECProofInvalid(t *testing.T)          { runFixtures(t, "nsec-proof-invalid") }
func TestDNSSECInconsistent(t *testing.T)        { runFixtures(t, "dnssec-inconsistent") }
func TestRRSIGExpiring(t *testing.T)             { runFixtures(t, "rrsig-expiring") }
func TestDSForUnsignedZone(t *testing.T)         { runFixtures(t, "ds-for-unsigned-zone") }
func TestSignedWithoutDS(t *testing.T)           { runFixtures(t, "signed-without-ds") }
func TestDNSSECAlgorithmDeprecated(t *testing.T) { runFixtures(t, "dnssec-algorithm-deprecated") }

// TestDNSSECDemoScenarios: the demo's DNSSEC scenarios give exactly their
// findings at warning and above, and their security state; a bogus
// outcome says what validating and other resolvers answer.
func TestDNSSECDemoScenarios(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query    string
		check    bool
		security diagnose.Security
		want     string
		says     string
	}{
		{"www.secure.test A", false, diagnose.Secure, "", ""},
		{"secure.test SOA", true, diagnose.Secure, "", ""},
		{"any.wc.secure.test A", false, diagnose.Secure, "", ""}, // from the wildcard, with its proof
		{"www.dsmismatch.test A", false, diagnose.Bogus, "ds-mismatch@dsmismatch.test.", "Validating resolvers: SERVFAIL (DNSSEC bogus, ds-mismatch: the parent test. publishes DS"},
		{"www.expired.test A", false, diagnose.Bogus, "rrsig-expired@expired.test.", "other resolvers: NOERROR www.expired.test. 3600 IN A 192.0.2.80"},
		{"expired.test SOA", true, diagnose.Bogus, "rrsig-expired@expired.test.", ""},
		{"www.halfsigned.test A", false, diagnose.Secure, "dnssec-inconsistent@halfsigned.test.", ""},
		{"www.healthy.test A", false, diagnose.Insecure, "", ""},
		{"10.2.0.192.in-addr.arpa PTR", false, diagnose.Insecure, "", ""},
		{"nosuch.test A", false, diagnose.Secure, "", ""},       // NXDOMAIN proved by test.'s NSEC records
		{"www.island.test A", false, diagnose.Insecure, "", ""}, // signed-without-ds is a notice
		{"www.dsunsigned.test A", false, diagnose.Bogus, "ds-for-unsigned-zone@dsunsigned.test.", ""},
		{"www.zsksigned.test A", false, diagnose.Bogus, "dnskey-not-signed-by-ds@zsksigned.test.", ""},
		{"www.future.test A", false, diagnose.Bogus, "rrsig-not-yet-valid@future.test.", ""},
		{"www.badsig.test A", false, diagnose.Bogus, "rrsig-invalid@badsig.test.", ""},
		{"www.sigless.test A", false, diagnose.Bogus, "rrsig-missing@sigless.test.", ""},
		{"nosuch.unproved.test A", false, diagnose.Bogus, "nsec-proof-invalid@unproved.test.", "other resolvers: NXDOMAIN"},
		{"www.expiring.test A", false, diagnose.Secure, "rrsig-expiring@expiring.test.", ""},
		{"www.sha1ds.test A", false, diagnose.Secure, "dnssec-algorithm-deprecated@sha1ds.test.", ""},
		{"nosuch.nsec3iter.test A", false, diagnose.Secure, "nsec3-parameters@nsec3iter.test.", ""},
		{"nsec3iter.test SOA", true, diagnose.Secure, "nsec3-parameters@nsec3iter.test.", ""},
		// Children on their parent's servers: DS from the parent side.
		{"www.stale.samesrv.test A", false, diagnose.Bogus, "ds-mismatch@stale.samesrv.test.", "Validating resolvers: SERVFAIL (DNSSEC bogus, ds-mismatch: the parent samesrv.test. publishes DS"},
		{"nosuch.stale.samesrv.test A", false, diagnose.Bogus, "ds-mismatch@stale.samesrv.test.", "other resolvers: NXDOMAIN"},
		{"stale.samesrv.test SOA", true, diagnose.Bogus, "ds-mismatch@stale.samesrv.test.", ""},
		{"www.ok.samesrv.test A", false, diagnose.Secure, "", ""},
		{"ok.samesrv.test SOA", true, diagnose.Secure, "", ""},
		{"www.samesrv.test A", false, diagnose.Secure, "", ""},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			t.Parallel()
			name, typ, _ := strings.Cut(c.query, " ")
			rep := report(t, name, dns.StringToType[typ], c.check)
			got := atWarning(rep)
			if want := strings.Fields(c.want); !slices.Equal(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
			if rep.Security != c.security {
				t.Errorf("security %q, want %q", rep.Security, c.security)
			}
			if !strings.Contains(rep.Outcome.Explanation, c.says) {
				t.Errorf("outcome explanation lacks %q:\n%s", c.says, rep.Outcome.Explanation)
			}
		})
	}
}

// hideAnchors is the universe as a network without trust anchors, as a
// lab root given with --root is.
type hideAnchors struct{ trace.Exchanger }

// TestNoTrustAnchor: roots given without a trust anchor validate nothing:
// no-trust-anchor (info), security indeterminate, no DNSSEC finding above
// info, even for a zone whose chain is broken.
func TestNoTrustAnchor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		want bool
	}{
		{"testdata/ds-mismatch/retired-key.txtar", true},
		{"testdata/lame-delegation/both-serve.txtar", false}, // nothing signed: nothing to say
	} {
		a, err := txtar.ParseFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := txtar.FS(a)
		if err != nil {
			t.Fatal(err)
		}
		u := demotest.Load(t, fsys, ".")
		cfg := trace.Config{Roots: u.Roots(), Exchanger: hideAnchors{u}, Timeout: 50 * time.Millisecond}
		tr, err := trace.Run(context.Background(), cfg, "www.x.test", dns.TypeA, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep := diagnose.New(tr)
		if rep.Security != diagnose.Indeterminate {
			t.Errorf("%s: security %q, want indeterminate", c.file, rep.Security)
		}
		found := false
		for _, f := range rep.Findings {
			if f.ID == "no-trust-anchor" {
				found = f.Severity == diagnose.Info && f.Zone == "."
			} else if strings.HasPrefix(f.ID, "ds-") || strings.HasPrefix(f.ID, "rrsig-") {
				t.Errorf("%s: %s without a trust anchor", c.file, f.ID)
			}
		}
		if found != c.want {
			t.Errorf("%s: no-trust-anchor found %v, want %v: %v", c.file, found, c.want, ids(rep.Findings))
		}
	}
}

// TestNoDNSSEC: --no-dnssec sends no DO, asks no DS or DNSKEY, and leaves
// the security state out.
func TestNoDNSSEC(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	cfg := demotest.Config(u, false)
	cfg.NoDNSSEC = true
	tr, err := trace.Run(context.Background(), cfg, "www.dsmismatch.test", dns.TypeA, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := diagnose.New(tr)
	if rep.Security != "" || len(rep.Findings) != 0 || tr.Config.DNSSEC != nil {
		t.Errorf("security %q, findings %v, config %+v", rep.Security, ids(rep.Findings), tr.Config.DNSSEC)
	}
	for _, st := range tr.Steps {
		for _, s := range st.Servers {
			for _, q := range s.Queries {
				if q.Purpose == trace.PurposeDS || q.Purpose == trace.PurposeDNSKEY {
					t.Errorf("%s asked %s %s with --no-dnssec", s.Label(), q.Name, q.Type)
				}
			}
		}
	}
}

// TestBuiltInAnchors: the built-in anchors are the IANA root KSKs of
// Debian's dns-root-data package, where it is installed.
func TestBuiltInAnchors(t *testing.T) {
	data, err := os.ReadFile("/usr/share/dns/root.ds")
	if err != nil {
		t.Skip("dns-root-data is not installed")
	}
	want, err := trace.ParseTrustAnchors(strings.NewReader(string(data)), "root.ds")
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(trace.RootAnchors) {
		t.Fatalf("%d anchors built in, %d in root.ds", len(trace.RootAnchors), len(want))
	}
	for i := range want {
		if !dns.IsDuplicate(want[i], trace.RootAnchors[i]) {
			t.Errorf("anchor %d: built in %s, root.ds %s", i, trace.RootAnchors[i], want[i])
		}
	}
}

func TestNSEC3Parameters(t *testing.T) { runFixtures(t, "nsec3-parameters") }

// TestTrustPointBelowTheRoot: a trust anchor for a zone below the root
// validates that zone's subtree even though nothing above is validated.
func TestTrustPointBelowTheRoot(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		want diagnose.Security
		id   string
	}{
		{"testdata/signed-without-ds/island.txtar", diagnose.Secure, ""},
		{"testdata/ds-mismatch/retired-key.txtar", diagnose.Secure, ""}, // the anchor is the key, not the parent's DS
		{"testdata/rrsig-expired/expired.txtar", diagnose.Bogus, "rrsig-expired"},
	} {
		a, err := txtar.ParseFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := txtar.FS(a)
		if err != nil {
			t.Fatal(err)
		}
		u := demotest.Load(t, fsys, ".")
		// The zone's KSK, as its servers publish it.
		key := askKSK(t, u, "x.test.")
		cfg := trace.Config{Roots: u.Roots(), Exchanger: hideAnchors{u}, Timeout: 50 * time.Millisecond, TrustAnchors: []dns.RR{key}}
		tr, err := trace.Run(context.Background(), cfg, "www.x.test", dns.TypeA, nil)
		if err != nil {
			t.Fatal(err)
		}
		rep := diagnose.New(tr)
		if rep.Security != c.want {
			t.Errorf("%s: security %q, want %q: %v", c.file, rep.Security, c.want, ids(rep.Findings))
		}
		if c.id != "" && !slices.ContainsFunc(rep.Findings, func(f diagnose.Finding) bool { return f.ID == c.id }) {
			t.Errorf("%s: no %s: %v", c.file, c.id, ids(rep.Findings))
		}
	}
}

func askKSK(t *testing.T, u interface {
	Exchange(context.Context, *dns.Msg, netip.AddrPort, string) (*dns.Msg, time.Duration, error)
}, zone string) dns.RR {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(zone, dns.TypeDNSKEY)
	m.SetEdns0(1232, true)
	r, _, err := u.Exchange(context.Background(), m, netip.MustParseAddrPort("192.0.2.30:53"), "udp")
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range r.Answer {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Flags&dns.SEP != 0 {
			return k
		}
	}
	t.Fatalf("no KSK for %s: %v", zone, r)
	return nil
}
