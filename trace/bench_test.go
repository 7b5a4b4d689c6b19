package trace_test

import (
	"context"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// The benchmarks run on the demo universe with no simulated latency, so
// they measure the engine's own cost (CPU, allocations) per trace; wall
// time against real servers is the bench command's job (go run ./bench).

func benchTrace(b *testing.B, name string, qtype uint16, probes bool) {
	u := demo(b)
	cfg := cfgFor(u)
	cfg.Probes = probes
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trace.Run(context.Background(), cfg, name, qtype, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(u.Count())/float64(b.N), "queries/op")
}

func BenchmarkTraceHealthy(b *testing.B) { benchTrace(b, "www.healthy.test", dns.TypeA, false) }

// A glueless delegation: the name servers' addresses need sub-lookups.
func BenchmarkTraceGlueless(b *testing.B) { benchTrace(b, "cdn.healthy.test", dns.TypeA, false) }

// A CNAME chain across zones.
func BenchmarkTraceChain(b *testing.B) { benchTrace(b, "www.chain.test", dns.TypeA, false) }

// What `ddx check` runs: the zone's SOA with every probe.
func BenchmarkCheckProbes(b *testing.B) { benchTrace(b, "healthy.test", dns.TypeSOA, true) }
