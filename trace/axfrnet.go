package trace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Transfer implements Transferer over a real TCP connection. It reads the
// stream itself, one length-prefixed message at a time, rather than with
// miekg's Transfer.In, whose reading goroutine cannot be stopped halfway
// and which reports an error rcode only in words: each message is read
// within idle, and no message is bigger than its 16-bit length says.
func (NetExchanger) Transfer(ctx context.Context, m *dns.Msg, server netip.AddrPort, idle time.Duration, each func(*dns.Msg, int) bool) error {
	dctx, cancel := context.WithTimeout(ctx, idle)
	var d net.Dialer
	conn, err := d.DialContext(dctx, "tcp", server.String())
	cancel()
	if err != nil {
		return classifyNetErr(err)
	}
	defer conn.Close()
	// Ending ctx ends a read in progress.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	wire, err := m.Pack()
	if err != nil {
		return err
	}
	out := make([]byte, 2+len(wire))
	binary.BigEndian.PutUint16(out, uint16(len(wire)))
	copy(out[2:], wire)
	conn.SetWriteDeadline(time.Now().Add(idle))
	if _, err := conn.Write(out); err != nil {
		return transferErr(ctx, err)
	}
	var size [2]byte
	buf := make([]byte, 0, 4096)
	for {
		conn.SetReadDeadline(time.Now().Add(idle))
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return transferErr(ctx, err)
		}
		n := int(binary.BigEndian.Uint16(size[:]))
		buf = buf[:0]
		buf = append(buf, make([]byte, n)...)
		if _, err := io.ReadFull(conn, buf); err != nil {
			return transferErr(ctx, err)
		}
		msg := new(dns.Msg)
		if err := msg.Unpack(buf); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if !each(msg, n+2) {
			return nil
		}
	}
}

// transferErr says why a transfer's connection ended: its context's end
// and read deadlines are ErrTimeout, the server's close io.EOF.
func transferErr(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w", ErrTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the server closed the connection: %w", io.EOF)
	}
	return classifyNetErr(err)
}
