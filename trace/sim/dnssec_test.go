package sim_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

func ask(t *testing.T, u *sim.Universe, addr, name string, qtype uint16, do bool) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, do)
	r, _, err := u.Exchange(context.Background(), m, netip.MustParseAddrPort(addr+":53"), "udp")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func count(rrs []dns.RR, t uint16) int {
	n := 0
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			n++
		}
	}
	return n
}

// TestSignedZones: a signed zone answers with RRSIGs only when asked with
// DO; a referral carries the DS (or the NSEC proving there is none);
// negative answers carry NSEC; a server with unsigned= serves no DNSSEC.
func TestSignedZones(t *testing.T) {
	t.Parallel()
	u := demotest.Universe(t)
	r := ask(t, u, "192.0.2.180", "www.secure.test.", dns.TypeA, true)
	if count(r.Answer, dns.TypeA) != 1 || count(r.Answer, dns.TypeRRSIG) != 1 || !r.IsEdns0().Do() {
		t.Errorf("signed answer with DO: %v", r)
	}
	if r := ask(t, u, "192.0.2.180", "www.secure.test.", dns.TypeA, false); count(r.Answer, dns.TypeRRSIG) != 0 {
		t.Errorf("signatures without DO: %v", r)
	}
	if r := ask(t, u, "198.51.100.11", "www.secure.test.", dns.TypeA, true); count(r.Ns, dns.TypeDS) != 1 || count(r.Ns, dns.TypeRRSIG) != 1 {
		t.Errorf("referral to a signed zone: %v", r)
	}
	if r := ask(t, u, "198.51.100.11", "www.healthy.test.", dns.TypeA, true); count(r.Ns, dns.TypeNSEC) != 1 || count(r.Ns, dns.TypeDS) != 0 {
		t.Errorf("referral to an unsigned zone: %v", r)
	}
	if r := ask(t, u, "192.0.2.180", "nosuch.secure.test.", dns.TypeA, true); r.Rcode != dns.RcodeNameError || count(r.Ns, dns.TypeNSEC) == 0 {
		t.Errorf("NXDOMAIN: %v", r)
	}
	if r := ask(t, u, "203.0.113.187", "halfsigned.test.", dns.TypeDNSKEY, true); len(r.Answer) != 0 {
		t.Errorf("unsigned= still serves keys: %v", r)
	}
	if r := ask(t, u, "192.0.2.186", "halfsigned.test.", dns.TypeDNSKEY, true); count(r.Answer, dns.TypeDNSKEY) != 2 {
		t.Errorf("DNSKEY: %v", r)
	}
	anchors := u.TrustAnchors()
	if len(anchors) != 1 || anchors[0].Header().Name != "." {
		t.Errorf("trust anchors %v", anchors)
	}
}

// TestSigningIsReproducible: keys come from a fixed seed, so two loads
// serve the same keys and (the same day) the same signatures.
func TestSigningIsReproducible(t *testing.T) {
	t.Parallel()
	var got []string
	for range 2 {
		u := demotest.Universe(t)
		r := ask(t, u, "192.0.2.180", "secure.test.", dns.TypeDNSKEY, true)
		got = append(got, strings.Join(strings.Fields(r.String()), " "))
	}
	if strings.ReplaceAll(got[0], ";; opcode: QUERY", "") == "" || !strings.Contains(got[0], "DNSKEY") {
		t.Fatalf("no keys: %s", got[0])
	}
	// The message IDs differ; compare the answer sections.
	a, b := got[0][strings.Index(got[0], "ANSWER SECTION"):], got[1][strings.Index(got[1], "ANSWER SECTION"):]
	if a != b {
		t.Errorf("two loads sign differently:\n%s\n%s", a, b)
	}
}

func TestSigningErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ conf, fail string }{
		{"dnssec example. ds=maybe\n", "bad value"},
		{"dnssec example. colour=red\n", "unknown key"},
		{"dnssec nowhere.\n", "no server serves it"},
	} {
		fsys := fstest.MapFS{
			"u/servers.conf":       {Data: []byte(c.conf + "server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.example. zones=example.\n")},
			"u/zones/root.zone":    {Data: []byte(". 3600 SOA a.root. h.root. 1 7200 1800 1209600 300\n. 3600 NS a.root.\na.root. 3600 A 192.0.2.1\nexample. 3600 NS ns.example.\nns.example. 3600 A 192.0.2.2\n")},
			"u/zones/example.zone": {Data: []byte("example. 3600 SOA ns.example. h.example. 1 7200 1800 1209600 300\nexample. 3600 NS ns.example.\nns.example. 3600 A 192.0.2.2\n")},
		}
		if _, err := sim.Load(fsys, "u"); err == nil || !strings.Contains(err.Error(), c.fail) {
			t.Errorf("%q: error %v, want %q", c.conf, err, c.fail)
		}
	}
}
