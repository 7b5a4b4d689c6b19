package hostile

import (
	"net/netip"
	"testing"

	"github.com/ddxdns/ddx/trace/sim"
)

// Loopback moves every server of every class to 127.100-109.x.x (the
// bench serves them there), one for one, away from the lab's
// 127.53.0.0/16; the root is where LoopbackRoot says.
func TestLoopbackMovesEveryServer(t *testing.T) {
	for _, c := range Classes {
		u, err := sim.Load(c.FS(), Dir)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		l, err := sim.Load(Loopback(c.FS()), Dir)
		if err != nil {
			t.Fatalf("%s on loopback: %v", c.Name, err)
		}
		if len(l.Addresses()) != len(u.Addresses()) {
			t.Errorf("%s: %d servers on loopback, %d before", c.Name, len(l.Addresses()), len(u.Addresses()))
		}
		for _, a := range l.Addresses() {
			if b := a.As4(); b[0] != 127 || b[1] < 100 || b[1] > 109 {
				t.Errorf("%s: server at %s, outside 127.100-109.x.x", c.Name, a)
			}
		}
		if l.Server(netip.MustParseAddr(LoopbackRoot)) == nil || u.Server(netip.MustParseAddr(Root)) == nil {
			t.Errorf("%s: no root server at %s / %s", c.Name, Root, LoopbackRoot)
		}
	}
}
