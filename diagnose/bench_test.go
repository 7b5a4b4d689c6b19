package diagnose_test

import (
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/miekg/dns"
)

// BenchmarkDiagnose measures the diagnosis alone, on the trace `ddx check`
// makes of a zone with several problems at once (the seed case's stale
// parent, a lame and a dead server).
func BenchmarkDiagnose(b *testing.B) {
	for _, name := range []string{"healthy.test", "gone.lab", "lame.test"} {
		tr := demotest.Trace(b, demotest.Universe(b), name, dns.TypeSOA, true)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				diagnose.Diagnose(tr)
			}
		})
	}
}
