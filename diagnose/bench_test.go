package diagnose_test

import (
	"bytes"
	"testing"

	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/internal/demotest"
	"github.com/ddxdns/ddx/internal/zonegen"
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

// BenchmarkLintGenerated measures ddx lint's reading and rules on a
// generated healthy zone of 100,000 records (the bench lints a million):
//
//	go test -run '^$' -bench LintGenerated -cpuprofile cpu.out ./diagnose
func BenchmarkLintGenerated(b *testing.B) {
	var buf bytes.Buffer
	n := zonegen.Write(&buf, 100_000)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		z, err := diagnose.ReadZone(bytes.NewReader(buf.Bytes()), diagnose.ZoneOptions{File: "million.example.zone"})
		if err != nil {
			b.Fatal(err)
		}
		if rep := diagnose.Lint(z); rep.Records != n || len(rep.Findings) != 0 {
			b.Fatalf("%d records, findings %v", rep.Records, rep.Findings)
		}
	}
}
