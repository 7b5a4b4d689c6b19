package lab

import (
	"strings"
	"testing"
)

// TestLabAddressesAreNotATopology: every lab server sits on loopback in
// 127.53.0.0/24, beside the lab root, so its addresses say nothing about
// networks on the internet. ddx check must not report ns-same-prefix or
// ns-single-family on any healthy lab zone, nor on onenet.test, which the
// demo builds to show ns-same-prefix (both its servers in 192.0.2.0/24)
// and which the lab runs on loopback like every other zone.
func TestLabAddressesAreNotATopology(t *testing.T) {
	needLab(t)
	for _, zone := range append(healthyZones, "onenet.test.") {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", zone)
			if outcome(doc) == "" {
				t.Fatalf("no outcome for %s: %v", zone, doc)
			}
			for _, id := range ids(doc) {
				if strings.HasPrefix(id, "ns-same-prefix@") || strings.HasPrefix(id, "ns-single-family@") {
					t.Errorf("ddx check %s reported %s on the lab's loopback addresses (all findings: %v)", zone, id, ids(doc))
				}
			}
		})
	}
}
