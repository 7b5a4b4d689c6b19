package trace

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// askDoT sends m over DNS over TLS (RFC 7858), on the connection kept from
// an earlier query if there is one. A kept connection the server has
// closed since (RFC 7858 §3.4 lets it) is replaced once.
func (c *ResolverClient) askDoT(ctx context.Context, m *dns.Msg, rr *ResolverReply) (*dns.Msg, time.Duration, *TransportFailure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reused := c.dot != nil
	if !reused {
		if f := c.dialDoT(ctx, rr); f != nil {
			return nil, 0, f
		}
	}
	rr.Reused, rr.TLS = reused, c.dotInfo
	r, rtt, f := c.dotRoundTrip(ctx, m)
	if f != nil && reused && f.Kind == FailClosed && ctx.Err() == nil {
		c.closeDoT()
		// The attempt Ask fills becomes the second; the first is this one.
		cur := rr.Attempts[len(rr.Attempts)-1]
		cur.Try, cur.Retry, cur.Change = 2, ChangeRetry, "on a new connection: the server had closed the one kept"
		failed := &Attempt{Try: 1, Transport: "tls", EDNS: true, Error: f.Detail, ErrorKind: ErrKindUnreachable, RTTms: ms(rtt)}
		rr.Attempts = append([]*Attempt{failed}, rr.Attempts...)
		if f := c.dialDoT(ctx, rr); f != nil {
			return nil, 0, f
		}
		rr.Reused, rr.TLS = false, c.dotInfo
		r, rtt, f = c.dotRoundTrip(ctx, m)
	}
	if f != nil {
		c.closeDoT() // a late reply must not answer the next query
	}
	return r, rtt, f
}

func (c *ResolverClient) dialDoT(ctx context.Context, rr *ResolverReply) *TransportFailure {
	d := net.Dialer{Timeout: c.o.Timeout}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", c.Spec.Addr.String())
	rr.ConnectMs = ms(time.Since(start))
	if err != nil {
		return connectFailure(err, c.o.Timeout, c.Spec.Addr.Port())
	}
	tc := tls.Client(conn, c.tlsConfig())
	hctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	start = time.Now()
	err = tc.HandshakeContext(hctx)
	rr.TLSms = ms(time.Since(start))
	if err != nil {
		conn.Close()
		rr.TLS = &TLSInfo{ServerName: c.Spec.serverName()}
		return tlsFailure(err, rr.TLS, c.o.Timeout)
	}
	c.dot, c.dotInfo = tc, c.tlsInfo(tc.ConnectionState())
	return nil
}

func (c *ResolverClient) closeDoT() {
	if c.dot != nil {
		c.dot.Close()
		c.dot, c.dotInfo = nil, nil
	}
}

// dotRoundTrip writes m with its two-octet length (RFC 1035 §4.2.2) and
// reads one reply, within the timeout.
func (c *ResolverClient) dotRoundTrip(ctx context.Context, m *dns.Msg) (*dns.Msg, time.Duration, *TransportFailure) {
	wire, err := m.Pack()
	if err != nil {
		return nil, 0, &TransportFailure{LayerDNS, FailNotDNS, "cannot pack the query: " + err.Error()}
	}
	deadline := time.Now().Add(c.o.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn := c.dot
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	start := time.Now()
	buf := make([]byte, 2+len(wire))
	binary.BigEndian.PutUint16(buf, uint16(len(wire)))
	copy(buf[2:], wire)
	if _, err := conn.Write(buf); err != nil {
		return nil, time.Since(start), c.streamFailure(err, false)
	}
	var hdr [2]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return nil, time.Since(start), c.streamFailure(err, false)
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, time.Since(start), c.streamFailure(err, true)
	}
	rtt := time.Since(start)
	r := new(dns.Msg)
	if err := r.Unpack(body); err != nil {
		return nil, rtt, &TransportFailure{LayerDNS, FailNotDNS, fmt.Sprintf("the reply is not a DNS message (%d octets): %v", len(body), err)}
	}
	return r, rtt, nil
}

// streamFailure names a failure after the handshake: the session was up,
// so it is the DNS layer (or the server ending the session).
func (c *ResolverClient) streamFailure(err error, midMessage bool) *TransportFailure {
	var ne net.Error
	var alert tls.AlertError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &TransportFailure{LayerDNS, FailNoReply, fmt.Sprintf("the TLS session was set up, but no DNS reply came over it within %s", c.o.Timeout)}
	case errors.As(err, &alert):
		return &TransportFailure{LayerTLS, FailHandshake, "the server ended the TLS session: " + alert.Error()}
	case midMessage && errors.Is(err, io.ErrUnexpectedEOF):
		return &TransportFailure{LayerDNS, FailNotDNS, "the server closed the connection in the middle of a reply"}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return &TransportFailure{LayerDNS, FailClosed, "the server closed the connection without a reply"}
	}
	return &TransportFailure{LayerDNS, FailClosed, "the connection failed: " + err.Error()}
}
