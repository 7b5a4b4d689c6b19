// Package demotest gives tests the demo universe and traces made in it,
// so that no test writes its own loader.
package demotest

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/ddxdns/ddx"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
)

// Universe loads a fresh copy of the demo universe, with no latency slept.
func Universe(tb testing.TB) *sim.Universe {
	tb.Helper()
	return Load(tb, ddx.Universe, ddx.UniverseDir)
}

// Load loads a universe (servers.conf and zones/) from dir in fsys.
func Load(tb testing.TB, fsys fs.FS, dir string) *sim.Universe {
	tb.Helper()
	u, err := sim.Load(fsys, dir)
	if err != nil {
		tb.Fatalf("loading the universe: %v", err)
	}
	u.SetValidator(diagnose.ResolverVerdict) // as ddx --demo does
	return u
}

// Config is a trace configuration against u: its roots, u as the network,
// a short timeout, and the survey probes of `ddx check` when probes is set.
func Config(u *sim.Universe, probes bool) trace.Config {
	return trace.Config{Roots: u.Roots(), Exchanger: u, Timeout: 50 * time.Millisecond, Probes: probes}
}

// Trace traces name in u, the way `ddx trace` (probes=false) or `ddx check`
// (probes=true) does.
func Trace(tb testing.TB, u *sim.Universe, name string, qtype uint16, probes bool) *trace.Trace {
	tb.Helper()
	tr, err := trace.Run(context.Background(), Config(u, probes), name, qtype, nil)
	if err != nil {
		tb.Fatalf("trace %s: %v", name, err)
	}
	return tr
}
