package lab

import (
	"net/netip"
	"testing"

	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// TestConditionsFate: the proxies' loss and jitter depend only on the
// seed and on how many packets with the same server, transport and
// question came before; TCP is never lost; the loss rate is near Loss.
func TestConditionsFate(t *testing.T) {
	s := &Server{Server: &sim.Server{Name: "ns1.healthy.test."}, Public: netip.MustParseAddr("127.53.0.9")}
	m := new(dns.Msg)
	m.SetQuestion("www.healthy.test.", dns.TypeA)
	fates := func(seed uint64, tcp bool) (lost int, seq []float64) {
		c := &conditions{Conditions: Conditions{Loss: 0.08, Jitter: 1.0 / 3, Seed: seed}, seen: map[string]uint64{}}
		for i := 0; i < 2000; i++ {
			q, r, stretch := c.fate(s, m, tcp)
			if q && r {
				t.Fatal("a packet lost both ways")
			}
			if q || r {
				lost++
			}
			if stretch < 2.0/3-1e-9 || stretch > 4.0/3+1e-9 {
				t.Fatalf("stretch %v outside 1 ± 1/3", stretch)
			}
			seq = append(seq, stretch)
		}
		if int64(lost) != c.lost.Load() {
			t.Errorf("counted %d lost, returned %d", c.lost.Load(), lost)
		}
		return lost, seq
	}
	lost1, seq1 := fates(1, false)
	lost1b, seq1b := fates(1, false)
	lost2, seq2 := fates(2, false)
	if lost1 != lost1b || seq1[17] != seq1b[17] {
		t.Errorf("the same seed gave different fates: %d and %d lost", lost1, lost1b)
	}
	if lost1 == lost2 && seq1[17] == seq2[17] {
		t.Errorf("seeds 1 and 2 gave the same fates")
	}
	if lost1 < 100 || lost1 > 220 {
		t.Errorf("%d of 2000 lost at 8%%", lost1)
	}
	if lostTCP, _ := fates(1, true); lostTCP != 0 {
		t.Errorf("%d TCP exchanges lost", lostTCP)
	}
	var none *conditions
	if q, r, stretch := none.fate(s, m, false); q || r || stretch != 1 {
		t.Errorf("no conditions: %v %v %v", q, r, stretch)
	}
}
