package sim_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// fates sends www.healthy.test A to ns1.healthy.test n times over UDP, one
// after the other, and returns each RTT, or -1 for a lost packet.
func fates(t *testing.T, u *sim.Universe, n int, timeout time.Duration) []time.Duration {
	t.Helper()
	var out []time.Duration
	for range n {
		m := new(dns.Msg)
		m.SetQuestion("www.healthy.test.", dns.TypeA)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		r, rtt, err := u.Exchange(ctx, m, ap("192.0.2.10"), "udp")
		cancel()
		switch {
		case errors.Is(err, trace.ErrTimeout):
			out = append(out, -1)
		case err != nil || r == nil:
			t.Fatalf("exchange: %v", err)
		default:
			out = append(out, rtt)
		}
	}
	return out
}

func TestIdealByDefault(t *testing.T) {
	t.Parallel()
	u := demo(t)
	for i, rtt := range fates(t, u, 50, time.Second) {
		if rtt != 40*time.Millisecond {
			t.Fatalf("packet %d: RTT %v, want exactly the configured 40ms", i, rtt)
		}
	}
	if u.Lost() != 0 {
		t.Errorf("lost %d", u.Lost())
	}
}

// Loss and jitter depend on the seed and the packet's place in its
// sequence, nothing else: the same seed gives the same run.
func TestLossAndJitterAreSeeded(t *testing.T) {
	t.Parallel()
	const n = 400
	run := func(seed uint64) []time.Duration {
		u := demo(t)
		u.Loss, u.Jitter, u.Seed = 0.1, 0.3, seed
		return fates(t, u, n, time.Millisecond)
	}
	a, b, c := run(1), run(1), run(2)
	lost, same := 0, 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("packet %d: %v then %v with the same seed", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
		if a[i] < 0 {
			lost++
			continue
		}
		if a[i] < 28*time.Millisecond || a[i] > 52*time.Millisecond {
			t.Errorf("packet %d: RTT %v outside 40ms ± 30%%", i, a[i])
		}
	}
	if math.Abs(float64(lost)/n-0.1) > 0.05 {
		t.Errorf("lost %d of %d with Loss 0.1", lost, n)
	}
	if same > n/4 {
		t.Errorf("seeds 1 and 2 agree on %d of %d packets", same, n)
	}
}

func TestTCPIsNotLost(t *testing.T) {
	t.Parallel()
	u := demo(t)
	u.Loss = 1
	m := new(dns.Msg)
	m.SetQuestion("www.healthy.test.", dns.TypeA)
	if _, _, err := u.Exchange(context.Background(), m, ap("192.0.2.10"), "tcp"); err != nil {
		t.Fatal(err)
	}
}

// A reply slower than the time left before the deadline comes too late:
// the exchange times out at the deadline, not before and not with a reply.
func TestLateReplyTimesOut(t *testing.T) {
	t.Parallel()
	u := demo(t)
	u.Deadlines = true
	m := new(dns.Msg)
	m.SetQuestion("www.slow.test.", dns.TypeA)
	for _, tc := range []struct {
		timeout time.Duration
		late    bool
	}{{100 * time.Millisecond, true}, {2 * time.Second, false}} {
		ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
		start := time.Now()
		r, rtt, err := u.Exchange(ctx, m, ap("192.0.2.85"), "udp") // ns1.slow.test: 900 ms
		waited := time.Since(start)
		expired := ctx.Err() // read before cancel: did the exchange wait for the deadline?
		cancel()
		if tc.late {
			if !errors.Is(err, trace.ErrTimeout) || r != nil {
				t.Errorf("timeout %v: got %v, %v", tc.timeout, r, err)
			}
			if !errors.Is(expired, context.DeadlineExceeded) {
				t.Errorf("gave up after %v, before the %v deadline", waited, tc.timeout)
			}
			continue
		}
		if err != nil || rtt != 900*time.Millisecond {
			t.Errorf("timeout %v: RTT %v, %v", tc.timeout, rtt, err)
		}
	}
}
