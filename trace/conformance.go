package trace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The conformance probes of `ddx check`: how each server of the checked
// zone speaks the protocol. They follow ISC's EDNS compliance tests (the
// tests behind the 2019 DNS flag day: edns1, ednsopt, ednsflags) and
// Zonemaster's NAMESERVER05, 08-11 and ZONE09: the apex asked in mixed
// case, with EDNS version 1, with an unknown EDNS option and with an
// unknown EDNS flag, and asked the common query types. Each probe is an
// ordinary Query of the server, so a saved trace carries its reply.
//
// ISC's optlist test sends the known options NSID, client subnet, EXPIRE
// and a client cookie in one query: a compliant server may answer with
// options of its own (its NSID, its server cookie, EXPIRE) or BADCOOKIE,
// so it is judged on its own, not by ednsopt's "nothing echoed".
// docookie (DO with a cookie) is not sent: optlist carries the cookie.
// edns512tcp (DNSKEY with DO and a 512-byte buffer, over TCP) is what
// the TCP probe (the SOA with EDNS over TCP, tcp-failure) and, for signed
// zones, the DNSKEY queries already exercise.

// Purposes of the conformance probes.
const (
	// PurposeType asks the apex one of the common types (NS, MX, A,
	// AAAA, TXT). One that fails is asked again, over UDP and over TCP,
	// under the same purpose: a type fails only when every asking does.
	PurposeType       Purpose = "type"
	PurposeCase       Purpose = "case"        // the apex SOA asked with the zone name in mixed case
	PurposeEDNS1      Purpose = "edns1"       // the apex SOA with EDNS version 1: BADVERS expected
	PurposeEDNSOption Purpose = "edns-option" // the apex SOA with an unknown EDNS option: ignored expected
	PurposeEDNSFlags  Purpose = "edns-flags"  // the apex SOA with an unknown EDNS flag: ignored expected
	// PurposeEDNSOptList asks the apex SOA with NSID, client subnet,
	// EXPIRE and COOKIE together (ISC's optlist): the plain answer, or
	// BADCOOKIE, expected.
	PurposeEDNSOptList Purpose = "edns-optlist"
)

// What the EDNS probes send, as ISC's tests do: option code 100 (not
// assigned by IANA) with no data, and flag 0x0080 (a must-be-zero bit).
const (
	UnknownEDNSOption uint16 = 100
	UnknownEDNSFlag   uint16 = 0x0080
)

// ConformanceTypes are the types the apex is asked (the SOA is the
// survey's): RFC 4074 servers most often fail AAAA or MX.
var ConformanceTypes = []uint16{dns.TypeNS, dns.TypeMX, dns.TypeA, dns.TypeAAAA, dns.TypeTXT}

// probeConformance starts the conformance probes of one address of the
// checked zone, once per run (when the address is surveyed), under wg.
func (r *run) probeConformance(st *Step, idx int, srv *Server, ap netip.AddrPort, survey bool, wg *sync.WaitGroup) {
	if !survey || !r.cfg.Probes || st.Zone == "." || !strings.EqualFold(st.Zone, r.tr.Query.Name) {
		return
	}
	zone := st.Zone
	packets := []packetProbe{
		{purpose: PurposeEDNS1, name: zone, qtype: dns.TypeSOA, edns: true, version: 1},
		{purpose: PurposeEDNSOption, name: zone, qtype: dns.TypeSOA, edns: true, option: true},
		{purpose: PurposeEDNSFlags, name: zone, qtype: dns.TypeSOA, edns: true, flags: UnknownEDNSFlag},
		{purpose: PurposeEDNSOptList, name: zone, qtype: dns.TypeSOA, edns: true, optlist: true},
	}
	if mixed := MixedCase(zone); mixed != zone {
		packets = append(packets, packetProbe{purpose: PurposeCase, name: mixed, qtype: dns.TypeSOA, edns: true})
	}
	for _, p := range packets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := r.askPacket(r.ctx, ap, p, "udp", true)
			if q.OK() && q.Reply.Rcode != dns.RcodeBadVers {
				q.Class = Classify(zone, p.qtype, zone, q.Reply).Class
			}
			r.addQuery(st, idx, srv, q)
		}()
	}
	for _, t := range ConformanceTypes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.probeType(st, idx, srv, ap, t)
		}()
	}
}

// probeType asks the apex one type; when that fails (no reply, or an
// rcode other than NOERROR and NXDOMAIN), it asks again over UDP and then
// over TCP, so that a lost packet is never taken for a failing type.
func (r *run) probeType(st *Step, idx int, srv *Server, ap netip.AddrPort, qtype uint16) {
	zone := st.Zone
	q := r.ask(r.ctx, ap, zone, qtype, false, PurposeType)
	if q.OK() {
		q.Class = Classify(zone, qtype, zone, q.Reply).Class
	}
	r.addQuery(st, idx, srv, q)
	if !TypeFailed(q) {
		return
	}
	p := packetProbe{purpose: PurposeType, name: zone, qtype: qtype, edns: true}
	for _, transport := range []string{"udp", "tcp"} {
		again := r.askPacket(r.ctx, ap, p, transport, false)
		if again.OK() {
			again.Class = Classify(zone, qtype, zone, again.Reply).Class
		}
		r.addQuery(st, idx, srv, again)
	}
}

// TypeFailed reports whether a query shows its type failing at the
// server: no reply although the server was waited for, or an rcode other
// than NOERROR and NXDOMAIN.
func TypeFailed(q *Query) bool {
	if !q.OK() {
		switch q.ErrorKind {
		case ErrKindTimeout, ErrKindInvalid, ErrKindIDMismatch, ErrKindTCP:
			return true
		}
		return false
	}
	return q.Reply.Rcode != dns.RcodeSuccess && q.Reply.Rcode != dns.RcodeNameError
}

// MixedCase is name with the case of its letters alternating (the first
// letter lower), the way a resolver using 0x20 might ask it.
func MixedCase(name string) string {
	b := []byte(strings.ToLower(name))
	upper := false
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			if upper {
				b[i] = c - 'a' + 'A'
			}
			upper = !upper
		}
	}
	return string(b)
}

// packetProbe is a query that ask cannot send: a name whose case must be
// kept, an EDNS version, an option or a flag.
type packetProbe struct {
	purpose Purpose
	name    string // sent as is
	qtype   uint16
	edns    bool
	version uint8
	option  bool   // add UnknownEDNSOption
	optlist bool   // add OptListOptions
	flags   uint16 // EDNS flags besides DO
}

// plain reports whether the probe is an ordinary EDNS query (the case
// and type probes), which a server without EDNS may answer FORMERR.
func (p packetProbe) plain() bool {
	return p.edns && p.version == 0 && !p.option && !p.optlist && p.flags == 0
}

// OptListOptions are the options of ISC's optlist test, as it sends
// them: an empty NSID, a client subnet of 0.0.0.0/0, an empty EXPIRE and
// the client cookie 0102030405060708.
func OptListOptions() []dns.EDNS0 {
	return []dns.EDNS0{
		&dns.EDNS0_NSID{Code: dns.EDNS0NSID},
		&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, Address: net.IPv4zero.To4()},
		&dns.EDNS0_EXPIRE{Code: dns.EDNS0EXPIRE, Empty: true},
		&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"},
	}
}

func (p packetProbe) msg(do bool) *dns.Msg {
	m := new(dns.Msg)
	m.Id = dns.Id()
	m.Question = []dns.Question{{Name: p.name, Qtype: p.qtype, Qclass: dns.ClassINET}}
	if p.edns {
		opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		opt.SetUDPSize(ednsBufSize)
		opt.SetVersion(p.version)
		if do {
			opt.SetDo()
		}
		if p.flags != 0 {
			opt.SetZ(p.flags)
		}
		if p.option {
			opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: UnknownEDNSOption, Data: []byte{}})
		}
		if p.optlist {
			opt.Option = append(opt.Option, OptListOptions()...)
		}
		m.Extra = append(m.Extra, opt)
	}
	return m
}

// askPacket sends one probe packet over transport: over UDP a new try
// every Timeout, Tries of them, while the earlier tries keep listening
// until Tries × Timeout after the first (a late reply counts, as in ask);
// over TCP one try. With retry, a probe silent on every try gets Tries
// tries more before its silence counts: a server that drops a kind of
// query drops it every time. A truncated UDP reply is asked again over
// TCP; FORMERR or NOTIMP to a plain probe, without EDNS. The reply is
// validated like any other.
func (r *run) askPacket(ctx context.Context, ap netip.AddrPort, p packetProbe, transport string, retry bool) *Query {
	q := &Query{Purpose: p.purpose, Name: p.name, Type: dns.Type(p.qtype).String(), Transport: transport, Attempts: []*Attempt{}}
	r.countQuestion()
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		q.Error, q.ErrorKind, q.Class = "cancelled", ErrKindCancelled, ClassError
		return q
	}
	r.inFlight(+1)
	defer func() { r.inFlight(-1); <-r.sem }()

	tries := 1
	if transport == "udp" {
		tries = r.cfg.Tries
		if retry {
			tries *= 2
		}
	}
	a, reply := r.packetTries(ctx, ap, p, transport, tries, q)
	if a == nil {
		q.Error, q.ErrorKind, q.Class = ErrBudget.Error(), ErrKindBudget, ClassError
		return q
	}
	if reply != nil && reply.Truncated && transport == "udp" {
		ta := &Attempt{Try: a.Try, Transport: "tcp", EDNS: p.edns, Retry: ChangeTCPAfterTC, Change: "TCP after TC=1"}
		a, reply = ta, nil
		if r.takePacket() {
			q.Attempts = append(q.Attempts, ta)
			reply = r.sendPacket(ctx, ap, p, ta, r.cfg.Timeout)
		} else {
			ta.ErrorKind, ta.Error = ErrKindBudget, "truncated over UDP, and the query budget allowed no TCP retry"
		}
	}
	if reply != nil && p.plain() && (reply.Rcode == dns.RcodeFormatError || reply.Rcode == dns.RcodeNotImplemented) {
		// As ask does: a server without EDNS is asked without it.
		na := &Attempt{Try: a.Try, Transport: a.Transport, Retry: ChangeNoEDNSAfterFormErr, Change: "without EDNS after " + rcodeName(reply.Rcode)}
		if r.takePacket() {
			q.Attempts = append(q.Attempts, na)
			plain := p
			plain.edns = false
			if nreply := r.sendPacket(ctx, ap, plain, na, r.cfg.Timeout); nreply != nil && !nreply.Truncated {
				a, reply = na, nreply
			}
		}
	}
	q.finish(reply, a)
	if reply == nil {
		q.Class = ClassError
		if q.ErrorKind == ErrKindTimeout {
			r.countTimeout()
		}
		return q
	}
	q.Rcode = rcodeName(reply.Rcode)
	q.Late = a.RTTms > ms(r.cfg.Timeout)
	return q
}

// packetTries sends up to tries tries of a probe, one every Timeout while
// the earlier ones keep listening, and returns the attempt that was
// answered (with its reply), or the last one to fail; nil when the budget
// allowed none.
func (r *run) packetTries(ctx context.Context, ap netip.AddrPort, p packetProbe, transport string, tries int, q *Query) (*Attempt, *dns.Msg) {
	type result struct {
		a     *Attempt
		reply *dns.Msg
	}
	results := make(chan result, tries)
	actx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	window := time.Duration(tries) * r.cfg.Timeout
	start := time.Now()
	pending, try := 0, 0
	var last *Attempt
	send := func(why string) bool {
		if try >= tries || ctx.Err() != nil || !r.takePacket() {
			return false
		}
		try++
		a := &Attempt{Try: try, Transport: transport, EDNS: p.edns}
		if try > 1 {
			a.Retry, a.Change = ChangeRetry, "retry: "+why
		}
		q.Attempts = append(q.Attempts, a)
		pending++
		listen := window - time.Since(start)
		go func() { results <- result{a, r.sendPacket(actx, ap, p, a, listen)} }()
		return true
	}
	if !send("") {
		return nil, nil
	}
	timer := time.NewTimer(r.cfg.Timeout)
	defer timer.Stop()
	for pending > 0 {
		select {
		case res := <-results:
			pending--
			if res.reply != nil {
				stop(errSuperseded)
				for ; pending > 0; pending-- {
					<-results
				}
				return res.a, res.reply
			}
			if last == nil || last.ErrorKind == ErrKindTimeout || last.ErrorKind == ErrKindAbandoned {
				last = res.a // a reply that was wrong says more than a silence
			}
			switch {
			case res.a.ErrorKind == ErrKindTimeout:
				if pending == 0 && send(fmt.Sprintf("no reply within %s", r.cfg.Timeout)) {
					timer.Reset(r.cfg.Timeout)
				}
			case res.a.ErrorKind == ErrKindAbandoned:
			default:
				try = tries // a server that answers wrongly or not at all: another try will not help
			}
		case <-timer.C:
			if send(fmt.Sprintf("no reply within %s yet", r.cfg.Timeout)) {
				timer.Reset(r.cfg.Timeout)
			}
		}
	}
	return last, nil
}

// sendPacket sends one attempt of a probe, listens for listen at most and
// validates the reply as attempt does; the Attempt says how it ended. The
// echoed name is compared without regard to case: the case probe's reply
// is judged by diagnosis, byte for byte.
func (r *run) sendPacket(ctx context.Context, ap netip.AddrPort, p packetProbe, a *Attempt, listen time.Duration) *dns.Msg {
	m := p.msg(!r.cfg.NoDNSSEC)
	reply := r.exchangeOnce(ctx, m, ap, a, listen)
	if reply == nil {
		return nil
	}
	// Some servers leave the question out of BADVERS, as of FORMERR.
	if !(reply.Rcode == dns.RcodeBadVers && len(reply.Question) == 0 && reply.Id == m.Id && reply.Response) {
		if err := validate(m, reply); err != nil {
			a.ErrorKind, a.Error = ErrKindInvalid, err.Error()
			if errors.Is(err, ErrIDMismatch) {
				a.ErrorKind = ErrKindIDMismatch
			}
			return nil
		}
	}
	return recordReply(a, reply)
}

// rcodeName names an rcode, extended ones included: 16 is BADVERS in a
// reply with EDNS (miekg/dns names it BADSIG, its TSIG meaning).
func rcodeName(rc int) string {
	if rc == dns.RcodeBadVers {
		return "BADVERS"
	}
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}
