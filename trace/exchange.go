package trace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// Exchanger sends one message to one server over one transport ("udp" or
// "tcp") and returns the reply and the round-trip time. It does no retries
// and no fallback: the engine does those and records each attempt.
type Exchanger interface {
	Exchange(ctx context.Context, m *dns.Msg, server netip.AddrPort, transport string) (*dns.Msg, time.Duration, error)
}

// Errors an Exchanger returns, wrapped with detail.
var (
	ErrTimeout     = errors.New("timeout")
	ErrUnreachable = errors.New("unreachable")
	// ErrIDMismatch: a reply came, but with another message ID (and no
	// reply with the right one came before the deadline).
	ErrIDMismatch = errors.New("ID mismatch")
)

// NetExchanger is the real network. Each exchange uses its own connected
// socket, so the kernel drops replies from any other source address, and
// miekg/dns discards replies whose ID does not match.
type NetExchanger struct{}

// Exchange implements Exchanger.
func (NetExchanger) Exchange(ctx context.Context, m *dns.Msg, server netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	c := &dns.Client{Net: transport, UDPSize: dns.MaxMsgSize}
	if d, ok := ctx.Deadline(); ok {
		c.Timeout = time.Until(d)
	}
	conn, err := c.DialContext(ctx, server.String())
	if err != nil {
		return nil, 0, classifyNetErr(err)
	}
	defer conn.Close()
	// miekg/dns honours the context's deadline but not its cancellation:
	// closing the socket ends a read that is no longer wanted.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if transport == "udp" {
		return exchangeUDP(ctx, conn, m)
	}
	r, rtt, err := c.ExchangeWithConnContext(ctx, m, conn)
	if errors.Is(err, dns.ErrId) && r != nil {
		return nil, rtt, fmt.Errorf("%w: expected %d, got %d", ErrIDMismatch, m.Id, r.Id)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, rtt, fmt.Errorf("%w", ErrTimeout)
		}
		return nil, rtt, classifyNetErr(err)
	}
	return r, rtt, nil
}

// exchangeUDP sends m and reads until a reply with its ID arrives. A reply
// with another ID is skipped, as dig and resolvers do (it may answer an
// earlier try), but remembered: if nothing better comes, the exchange
// ends with ErrIDMismatch rather than a timeout. (miekg/dns skips such
// replies without a word.)
func exchangeUDP(ctx context.Context, co *dns.Conn, m *dns.Msg) (*dns.Msg, time.Duration, error) {
	if d, ok := ctx.Deadline(); ok {
		co.SetDeadline(d)
	}
	start := time.Now()
	if err := co.WriteMsg(m); err != nil {
		return nil, 0, classifyNetErr(err)
	}
	var mismatch error
	for {
		r, err := co.ReadMsg()
		rtt := time.Since(start)
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%w", ErrTimeout)
			} else {
				err = classifyNetErr(err)
			}
			if mismatch != nil && errors.Is(err, ErrTimeout) {
				return nil, rtt, mismatch
			}
			return nil, rtt, err
		}
		if r.Id != m.Id {
			mismatch = fmt.Errorf("%w: expected %d, got %d", ErrIDMismatch, m.Id, r.Id)
			continue
		}
		return r, rtt, nil
	}
}

func classifyNetErr(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w", ErrTimeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: connection refused (port unreachable)", ErrUnreachable)
	case errors.Is(err, syscall.EHOSTUNREACH):
		return fmt.Errorf("%w: host unreachable", ErrUnreachable)
	case errors.Is(err, syscall.ENETUNREACH):
		return fmt.Errorf("%w: network unreachable", ErrUnreachable)
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%w: connection reset", ErrUnreachable)
	}
	return err
}

// HaveIPv6Route reports whether the machine has a route to the IPv6
// internet. Connecting a UDP socket sends no packet.
func HaveIPv6Route() bool {
	c, err := net.Dial("udp6", "[2001:500:2::c]:53")
	if err != nil {
		return false
	}
	c.Close()
	return true
}
