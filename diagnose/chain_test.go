package diagnose_test

import (
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/miekg/dns"
)

// The chain that the text and the explorer draw: the DS the parent
// publishes, the keys each server serves, and where it breaks.
func TestChainLinks(t *testing.T) {
	u := demotest.Universe(t)
	link := func(name, zone string) diagnose.ChainLink {
		t.Helper()
		for _, l := range diagnose.New(demotest.Trace(t, u, name, dns.TypeA, false)).Chain {
			if l.Zone == zone {
				return l
			}
		}
		t.Fatalf("%s: no chain link for %s", name, zone)
		return diagnose.ChainLink{}
	}
	sec := link("www.secure.test", "secure.test.")
	if sec.State != diagnose.Secure || len(sec.DS) != 1 || sec.Parent != "test." || len(sec.Breaks) != 0 {
		t.Fatalf("secure.test.: %+v", sec)
	}
	var ksk uint16
	for _, k := range sec.Keys {
		if k.KSK && k.ByDS && len(k.Servers) == 3 { // ns1 over IPv4 and IPv6, ns2
			ksk = k.KeyTag
		}
	}
	if ksk == 0 || sec.DS[0].Matches != ksk || len(sec.Sigs) == 0 || sec.Sigs[0].KeyTag != ksk {
		t.Errorf("secure.test.: the DS should match the KSK that signs the keys, served by both servers: %+v", sec)
	}
	if root := link("www.secure.test", "."); !root.Anchored || root.State != diagnose.Secure {
		t.Errorf("the root rests on the trust anchor: %+v", root)
	}

	bad := link("www.dsmismatch.test", "dsmismatch.test.")
	if bad.State != diagnose.Bogus || len(bad.DS) != 1 || bad.DS[0].Matches != 0 || len(bad.Good) != 0 {
		t.Fatalf("dsmismatch.test.: %+v", bad)
	}
	servers := map[string]bool{}
	for _, b := range bad.Breaks {
		if b.ID != "ds-mismatch" {
			t.Errorf("break %+v, want ds-mismatch", b)
		}
		servers[b.Server] = true
	}
	if len(servers) != 3 { // ns1 over IPv4 and IPv6, ns2
		t.Errorf("both servers break the chain, got %v", servers)
	}

	half := link("www.halfsigned.test", "halfsigned.test.")
	if half.State != diagnose.Secure || len(half.Good) != 1 || len(half.Breaks) != 1 || half.Breaks[0].ID != "ds-for-unsigned-zone" {
		t.Errorf("halfsigned.test.: one server validates, one serves the zone unsigned: %+v", half)
	}

	if l := link("www.healthy.test", "healthy.test."); l.State != diagnose.Insecure || l.Signed() {
		t.Errorf("healthy.test. is unsigned: %+v", l)
	}
}
