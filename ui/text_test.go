package ui_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/ddxdns/ddx/ui"
	"github.com/miekg/dns"
)

func demoReport(t *testing.T, name string, qtype uint16, probes bool) *diagnose.Report {
	t.Helper()
	u, err := sim.Load(ddx.Universe, ddx.UniverseDir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond, Probes: probes}
	tr, err := trace.Run(context.Background(), cfg, name, qtype, nil)
	if err != nil {
		t.Fatal(err)
	}
	return diagnose.New(tr)
}

func TestTextGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		name   string
		qtype  uint16
		brief  bool
	}{
		{"trace-healthy", "www.healthy.test", dns.TypeA, false},
		{"trace-lame-brief", "www.lame.test", dns.TypeA, true},
		{"trace-edns-brief", "www.edns.test", dns.TypeA, true},
	} {
		t.Run(c.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := ui.WriteText(&b, demoReport(t, c.name, c.qtype, false), ui.Plain(), ui.TextOptions{Brief: c.brief, NoStats: true}); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

func TestCheckGolden(t *testing.T) {
	rep := demoReport(t, "trailing.test", dns.TypeSOA, true)
	rep.Findings = diagnose.ForZone(rep.Findings, "trailing.test.")
	var b bytes.Buffer
	if err := ui.WriteCheck(&b, rep, "trailing.test.", ui.Plain(), diagnose.Info); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.Bytes())
}

func TestHostileBytesAreEscaped(t *testing.T) {
	rep := demoReport(t, "www.healthy.test", dns.TypeA, false)
	rep.Findings = []diagnose.Finding{{ID: "x", Explanation: "evil \x1b[2J text", Summary: "s", Fix: "f"}}
	rep.Outcome.Explanation = "bell \x07 here"
	var b bytes.Buffer
	if err := ui.WriteText(&b, rep, ui.Plain(), ui.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(b.Bytes(), "\x1b\x07") {
		t.Errorf("control bytes reached the output:\n%q", b.String())
	}
}
