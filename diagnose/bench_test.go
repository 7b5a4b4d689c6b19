package diagnose_test

import (
	"context"
	"testing"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// BenchmarkDiagnose measures the diagnosis alone, on the trace `ddx check`
// makes of a zone with several problems at once (the seed case's stale
// parent, a lame and a dead server).
func BenchmarkDiagnose(b *testing.B) {
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"healthy.test", "gone.lab", "lame.test"} {
		cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond, Probes: true}
		tr, err := trace.Run(context.Background(), cfg, name, dns.TypeSOA, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				diagnose.Diagnose(tr)
			}
		})
	}
}
