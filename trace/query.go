package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// ErrBudget is returned for a query the level-of-effort budget refused.
var ErrBudget = errors.New("query budget exhausted")

// errSuperseded ends the wait of a try whose query another try answered.
var errSuperseded = errors.New("another try of the query was answered")

// ask sends one question to one server the way a careful resolver would:
// UDP with EDNS, a new try every Timeout while the earlier ones keep
// listening, until Tries × Timeout after the first (a reply to try 1 that
// arrives during try 2 counts); TC=1 → TCP; FORMERR or NOTIMP with EDNS →
// once more without; a last try without EDNS when every EDNS try was
// silent, and then EDNS once more to tell a lost packet from a server that
// drops EDNS. Every packet is recorded as an Attempt.
func (r *run) ask(ctx context.Context, addr netip.AddrPort, name string, qtype uint16, rd bool, purpose Purpose) *Query {
	q := &Query{
		Purpose: purpose, Name: name, Type: dns.Type(qtype).String(), RD: rd,
		Transport: "udp", Attempts: []*Attempt{},
	}
	r.countQuestion()
	key := askKey(addr, name, qtype, rd, purpose)
	known, first, ok := r.recall(ctx, key, purpose)
	switch {
	case !ok:
		// ddx stopped waiting for another branch's asking of it.
		q.Error, q.ErrorKind, q.Class = stoppedWaiting(ctx, 0), ErrKindAbandoned, ClassError
		return q
	case known != nil:
		return known
	}
	defer func() { r.remember(key, first, q) }()
	if !r.packetsLeft() {
		q.Error, q.ErrorKind, q.Class = ErrBudget.Error(), ErrKindBudget, ClassError
		return q
	}
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		q.Error, q.ErrorKind, q.Class = "cancelled", ErrKindCancelled, ClassError
		return q
	}
	r.inFlight(+1)
	defer func() { r.inFlight(-1); <-r.sem }()

	k := newAsker(r, ctx, addr, name, qtype, rd, q)
	defer k.close()
	var reply *dns.Msg
	var a *Attempt
	if purpose == PurposeTCP {
		a, reply = k.once(1, true, "tcp", ChangeTCPOnly, "TCP only")
	} else {
		a, reply = k.udp()
	}
	if a == nil {
		q.Error, q.ErrorKind, q.Class = ErrBudget.Error(), ErrKindBudget, ClassError
		return q
	}
	var left trimCount
	if reply != nil {
		reply, left = r.keep(reply, a.Size)
	}
	q.finish(reply, a)
	q.Trimmed, q.left = left.records, left
	if reply != nil && a.Size > 0 {
		q.Size = a.Size // on the wire, whatever was kept
	}
	if reply == nil {
		q.Class = ClassError
		if q.ErrorKind == ErrKindTimeout {
			r.countTimeout()
		}
	}
	return q
}

// sent is one attempt that has ended, with its valid reply if any.
type sent struct {
	a     *Attempt
	reply *dns.Msg
}

// asker runs the attempts of one query. Attempts run concurrently; only
// the goroutine that calls its methods touches the Query.
type asker struct {
	r       *run
	ctx     context.Context // the caller's: a cut or the run's end
	actx    context.Context // ctx, also ended when another try answered
	stop    context.CancelCauseFunc
	addr    netip.AddrPort
	name    string
	qtype   uint16
	rd      bool
	q       *Query
	results chan sent
	pending int
	ended   map[*Attempt]bool
	noMore  bool // the budget is spent or the server cannot be reached
}

func newAsker(r *run, ctx context.Context, addr netip.AddrPort, name string, qtype uint16, rd bool, q *Query) *asker {
	actx, stop := context.WithCancelCause(ctx)
	return &asker{r: r, ctx: ctx, actx: actx, stop: stop, addr: addr, name: name, qtype: qtype, rd: rd, q: q,
		results: make(chan sent), ended: map[*Attempt]bool{}}
}

// send starts one attempt that listens for listen, unless the budget is
// spent.
func (k *asker) send(try int, edns bool, transport string, kind ChangeKind, change string, listen time.Duration) *Attempt {
	if k.noMore || !k.r.takePacket() {
		k.noMore = true
		return nil
	}
	a := &Attempt{Try: try, Transport: transport, EDNS: edns, Change: change, Retry: kind}
	k.q.Attempts = append(k.q.Attempts, a)
	k.pending++
	go func() {
		reply := k.r.attempt(k.actx, k.addr, k.name, k.qtype, k.rd, a, listen)
		k.results <- sent{a, reply}
	}()
	return a
}

// next waits for the next attempt to end.
func (k *asker) next() sent {
	s := <-k.results
	k.pending--
	k.ended[s.a] = true
	return s
}

// once sends one attempt and waits for it alone. Over TCP it waits as long
// as the UDP tries together, twice: a TCP exchange costs a handshake and a
// query, two round trips, so a slow server must not look TCP-broken.
func (k *asker) once(try int, edns bool, transport string, kind ChangeKind, change string) (*Attempt, *dns.Msg) {
	k.drain()
	wait := k.r.cfg.Timeout
	if transport == "tcp" {
		wait = 2 * time.Duration(k.r.cfg.Tries) * k.r.cfg.Timeout
	}
	a := k.send(try, edns, transport, kind, change, wait)
	if a == nil {
		return nil, nil
	}
	s := k.next()
	return s.a, s.reply
}

// drain stops the attempts still listening and waits for them.
func (k *asker) drain() {
	if k.pending == 0 {
		return
	}
	k.stop(errSuperseded)
	for k.pending > 0 {
		k.next()
	}
	k.actx, k.stop = context.WithCancelCause(k.ctx)
}

func (k *asker) close() {
	k.drain()
	k.stop(nil)
}

// silentEDNS counts the attempts sent with EDNS that have not been
// answered: still listening, or timed out.
func (k *asker) silentEDNS() int {
	n := 0
	for _, a := range k.q.Attempts {
		if a.EDNS && a.Transport == "udp" && (!k.ended[a] || a.ErrorKind == ErrKindTimeout) {
			n++
		}
	}
	return n
}

// udp runs the UDP tries and the fallbacks their replies call for, and
// returns the attempt whose reply (or failure) is the query's.
func (k *asker) udp() (*Attempt, *dns.Msg) {
	timeout, tries := k.r.cfg.Timeout, k.r.cfg.Tries
	try := 1
	k.send(1, true, "udp", "", "", time.Duration(tries)*timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var got *sent
	var last *Attempt
	retry := func(why string) {
		if try >= tries || k.noMore || k.ctx.Err() != nil {
			return
		}
		try++
		edns, kind, change := true, ChangeRetry, "retry: "+why
		if try == tries && k.silentEDNS() == try-1 {
			edns, kind = false, ChangeNoEDNSAfterSilence
			change = fmt.Sprintf("without EDNS after %d silent EDNS tr%s", try-1, plural(try-1, "y", "ies"))
		}
		k.send(try, edns, "udp", kind, change, time.Duration(tries-try+1)*timeout)
		timer.Reset(timeout)
	}
	for got == nil && k.pending > 0 {
		select {
		case s := <-k.results:
			k.pending--
			k.ended[s.a] = true
			if s.reply != nil {
				got = &s
				break
			}
			last = s.a
			switch s.a.ErrorKind {
			case ErrKindInvalid, ErrKindIDMismatch:
				if k.pending == 0 {
					retry("after " + string(s.a.ErrorKind) + " reply")
				}
			case ErrKindTimeout:
				if k.pending == 0 { // an exchanger that gave up early
					retry(fmt.Sprintf("no reply within %s", timeout))
				}
			case ErrKindAbandoned:
			default: // unreachable or a local error: another try will not help
				k.noMore = true
			}
		case <-timer.C:
			retry(fmt.Sprintf("no reply within %s yet", timeout))
		}
	}
	if got == nil {
		return k.summary(last), nil
	}
	a, reply := got.a, got.reply
	if a.RTTms > ms(timeout) {
		k.q.Late = true
	}
	if !a.EDNS && k.silentEDNS() > 0 {
		// Answered only without EDNS: keep listening for the EDNS tries
		// and ask again with EDNS (tries times, like any query), to tell
		// lost packets from a server that drops EDNS. An EDNS reply, late
		// or confirming, wins.
		confirms := 1
		k.send(try+1, true, "udp", ChangeConfirmEDNS, "EDNS again to confirm", time.Duration(tries)*timeout)
		ctimer := time.NewTimer(timeout)
		defer ctimer.Stop()
		confirmed := false
		for !confirmed && k.pending > 0 {
			select {
			case s := <-k.results:
				k.pending--
				k.ended[s.a] = true
				if s.reply != nil && s.a.EDNS {
					a, reply, confirmed = s.a, s.reply, true
					k.q.Late = s.a.RTTms > ms(timeout)
				}
			case <-ctimer.C:
				if confirms < tries && !k.noMore && k.ctx.Err() == nil {
					confirms++
					k.send(try+confirms, true, "udp", ChangeConfirmEDNS, "EDNS again to confirm", time.Duration(tries-confirms+1)*timeout)
					ctimer.Reset(timeout)
				}
			}
		}
		k.q.EDNSBroken = !confirmed && k.ctx.Err() == nil
	}
	k.drain()
	if reply.Truncated {
		ta, treply := k.once(try, a.EDNS, "tcp", ChangeTCPAfterTC, "TCP after TC=1")
		if ta == nil {
			return &Attempt{Try: try, Transport: "tcp", ErrorKind: ErrKindBudget,
				Error: "truncated over UDP, and the query budget allowed no TCP retry"}, nil
		}
		if treply == nil {
			return &Attempt{Try: ta.Try, Transport: "tcp", RTTms: ta.RTTms, ErrorKind: ta.ErrorKind,
				Error: "truncated over UDP, and TCP failed: " + ta.Error}, nil
		}
		a, reply = ta, treply
	}
	if a.EDNS && (reply.Rcode == dns.RcodeFormatError || reply.Rcode == dns.RcodeNotImplemented) {
		if reply.Rcode == dns.RcodeFormatError && reply.IsEdns0() == nil {
			// RFC 6891 §7: a server without EDNS answers FORMERR, without
			// an OPT record, to a query with one.
			k.q.EDNSUnsupported = true
		}
		na, nreply := k.once(try, false, "udp", ChangeNoEDNSAfterFormErr, "without EDNS after "+dns.RcodeToString[reply.Rcode])
		if nreply != nil && !nreply.Truncated {
			a, reply = na, nreply
		}
	}
	return a, reply
}

// summary picks the attempt that says why a query got no reply: a server
// fault if any attempt showed one, else the last attempt.
func (k *asker) summary(last *Attempt) *Attempt {
	for i := len(k.q.Attempts) - 1; i >= 0; i-- {
		a := k.q.Attempts[i]
		if k.ended[a] && (a.ErrorKind == ErrKindIDMismatch || a.ErrorKind == ErrKindInvalid || a.ErrorKind == ErrKindUnreachable) {
			return a
		}
	}
	if n := len(k.q.Attempts); n > 0 {
		return k.q.Attempts[n-1]
	}
	return last
}
