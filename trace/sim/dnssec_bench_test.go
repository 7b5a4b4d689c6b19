package sim_test

import (
	"testing"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/trace/sim"
)

func BenchmarkLoadDemo(b *testing.B) {
	for range b.N {
		if _, err := sim.Load(ddx.Universe, ddx.UniverseDir); err != nil {
			b.Fatal(err)
		}
	}
}
