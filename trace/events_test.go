package trace_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Every event is the receiver's to read while the engine goes on: a
// consumer that reads all of each event (here, by encoding it) races with
// nothing, glueless zones included (go test -race).
func TestEventsAreCopies(t *testing.T) {
	t.Parallel()
	u := demo(t)
	for _, name := range []string{"cdn.healthy.test", "www.deep.test", "gone.lab"} {
		cfg := cfgFor(u)
		cfg.Exchanger = shuffled{u}
		cfg.Probes = true
		events := make(chan trace.Event)
		done := make(chan struct{})
		var held []trace.Event
		go func() {
			defer close(done)
			var steps []*trace.Step
			for ev := range events {
				held = append(held, ev)
				if _, err := json.Marshal(ev); err != nil {
					t.Error(err)
				}
				// A UI reads the steps it holds again on every redraw.
				if ev.Step != nil {
					steps = append(steps, ev.Step)
				}
				json.Marshal(steps)
			}
		}()
		tr, err := trace.Run(context.Background(), cfg, name, dns.TypeA, events)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		// Read them again after the engine has finished and sorted.
		for _, ev := range held {
			json.Marshal(ev)
		}
		if _, err := json.Marshal(tr); err != nil {
			t.Fatal(err)
		}
	}
}
