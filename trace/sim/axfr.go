package sim

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// Faults of a server's zone transfers.
const (
	// FaultAXFREndless: a transfer that never ends: after the SOA, new
	// records without end and never the closing SOA.
	FaultAXFREndless = "axfr-endless"
)

// axfrBatch is how many records one message of a transfer carries.
const axfrBatch = 50

// Transfer implements trace.Transferer: a server transfers the zones of
// its axfr= option (the SOA, every record, the SOA again, in messages of
// axfrBatch records) and refuses the rest. The first message comes after
// the TCP round trips; the rest at once.
func (u *Universe) Transfer(ctx context.Context, m *dns.Msg, ap netip.AddrPort, idle time.Duration, each func(*dns.Msg, int) bool) error {
	u.mu.Lock()
	u.count++
	u.mu.Unlock()
	addr := ap.Addr().Unmap()
	s := u.servers[addr]
	switch {
	case s == nil && u.resolvers[addr] != nil:
		r := new(dns.Msg)
		r.SetRcode(m, dns.RcodeRefused)
		each(r, r.Len()+2)
		return nil
	case s == nil:
		return fmt.Errorf("%w: no route to host %s", trace.ErrUnreachable, ap.Addr())
	case s.Faults[FaultUnreachable]:
		return fmt.Errorf("%w: connection refused (port unreachable)", trace.ErrUnreachable)
	case s.Faults[FaultDrop], s.Faults[FaultTCPDrop]:
		wait(ctx, idle)
		return fmt.Errorf("%w", trace.ErrTimeout)
	}
	if _, err := u.deliver(ctx, addr, m, "tcp", 2*s.Latency); err != nil {
		return err
	}
	r := new(dns.Msg)
	r.SetReply(m)
	if len(m.Question) != 1 {
		r.Rcode = dns.RcodeFormatError
		each(r, r.Len()+2)
		return nil
	}
	origin := strings.ToLower(m.Question[0].Name)
	z := s.Zones[origin]
	switch {
	case s.Faults[FaultServFail]:
		r.Rcode = dns.RcodeServerFailure
	case z == nil:
		r.Rcode = dns.RcodeNotAuth // RFC 5936 §2.2.1 suggests NOTAUTH, BIND says NOTAUTH too
	case !s.AXFR[origin]:
		r.Rcode = dns.RcodeRefused
	}
	if r.Rcode != dns.RcodeSuccess {
		each(r, r.Len()+2)
		return nil
	}
	r.Authoritative = true
	send := func(rrs []dns.RR) bool {
		msg := r.Copy()
		msg.Answer = rrs
		return ctx.Err() == nil && each(msg, msg.Len()+2)
	}
	recs := []dns.RR{z.SOA}
	for _, rr := range z.Records() {
		if rr.Header().Rrtype != dns.TypeSOA || !strings.EqualFold(rr.Header().Name, origin) {
			recs = append(recs, rr)
		}
	}
	if s.Faults[FaultAXFREndless] {
		for i := 0; ; i++ {
			batch := recs[:min(len(recs), 1)]
			if i > 0 {
				batch = nil
				for j := 0; j < axfrBatch; j++ {
					rr, _ := dns.NewRR(fmt.Sprintf("h%d.%s 300 IN A 192.0.2.%d", i*axfrBatch+j, origin, j+1))
					batch = append(batch, rr)
				}
			}
			if !send(batch) {
				if ctx.Err() != nil {
					return fmt.Errorf("%w", trace.ErrTimeout)
				}
				return nil
			}
		}
	}
	recs = append(recs, z.SOA)
	for len(recs) > 0 {
		n := min(len(recs), axfrBatch)
		if !send(recs[:n]) {
			if ctx.Err() != nil {
				return fmt.Errorf("%w", trace.ErrTimeout)
			}
			return nil
		}
		recs = recs[n:]
	}
	return nil
}

// wait blocks until ctx ends or d passes.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
