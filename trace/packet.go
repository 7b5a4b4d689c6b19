package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// attempt sends one packet, listens for listen at most, and validates the
// reply. The Attempt says how it ended.
func (r *run) attempt(ctx context.Context, addr netip.AddrPort, name string, qtype uint16, rd bool, a *Attempt, listen time.Duration) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = rd
	if a.EDNS {
		m.SetEdns0(ednsBufSize, !r.cfg.NoDNSSEC)
	}
	reply := r.exchangeOnce(ctx, m, addr, a, listen)
	if reply == nil {
		if a.Transport == "tcp" && a.ErrorKind.ServerFault() && a.ErrorKind != ErrKindIDMismatch {
			a.ErrorKind = ErrKindTCP
		}
		return nil
	}
	if err := validate(m, reply); err != nil {
		a.ErrorKind, a.Error = ErrKindInvalid, err.Error()
		if errors.Is(err, ErrIDMismatch) {
			a.ErrorKind = ErrKindIDMismatch
		}
		return nil
	}
	return recordReply(a, reply)
}

// exchangeOnce sends m, listens for listen at most, and when no reply came
// records on a why (abandoned, timeout, unreachable, ID mismatch). The
// reply it returns is not validated yet.
func (r *run) exchangeOnce(ctx context.Context, m *dns.Msg, addr netip.AddrPort, a *Attempt, listen time.Duration) *dns.Msg {
	actx, cancel := context.WithTimeout(ctx, listen)
	defer cancel()
	start := time.Now()
	reply, rtt, err := r.cfg.Exchanger.Exchange(actx, m, addr, a.Transport)
	a.RTTms = ms(rtt)
	if err == nil {
		return reply
	}
	waited := time.Since(start).Round(time.Millisecond)
	switch {
	case ctx.Err() != nil:
		a.ErrorKind, a.Error, a.RTTms = ErrKindAbandoned, stoppedWaiting(ctx, waited), ms(waited)
	case errors.Is(err, ErrIDMismatch):
		a.ErrorKind, a.Error = ErrKindIDMismatch, err.Error()
	case errors.Is(err, ErrTimeout) || actx.Err() != nil:
		a.ErrorKind, a.Error, a.RTTms = ErrKindTimeout, fmt.Sprintf("no reply within %s", listen), ms(listen)
	case errors.Is(err, ErrUnreachable):
		a.ErrorKind, a.Error = ErrKindUnreachable, err.Error()
	default:
		a.ErrorKind, a.Error = ErrKindError, sanitize(err.Error())
	}
	return nil
}

// recordReply notes a validated reply's rcode, TC bit and size on a. A
// truncated reply over TCP is not an answer.
func recordReply(a *Attempt, reply *dns.Msg) *dns.Msg {
	a.Rcode = rcodeName(reply.Rcode)
	a.TC = reply.Truncated
	a.Size = reply.Len()
	if a.Transport == "tcp" && reply.Truncated {
		a.ErrorKind, a.Error = ErrKindInvalid, "truncated reply over TCP"
		return nil
	}
	return reply
}

// stoppedWaiting says why ddx stopped waiting for a reply.
func stoppedWaiting(ctx context.Context, waited time.Duration) string {
	switch cause := context.Cause(ctx); {
	case cause == errSuperseded:
		return fmt.Sprintf("no reply of its own after %s: another try was answered", waited)
	case cause == errStraggler:
		if waited <= 0 {
			return "no reply: the zone's other servers had answered long before"
		}
		return fmt.Sprintf("no reply within %s, while the zone's other servers had answered; ddx stopped waiting", waited)
	case errors.Is(cause, context.DeadlineExceeded):
		return fmt.Sprintf("no reply within %s when the run's deadline passed", waited)
	}
	return fmt.Sprintf("no reply within %s when the run was cancelled", waited)
}

// validate checks that a reply answers the message that was sent.
func validate(sent, reply *dns.Msg) error {
	if reply.Id != sent.Id {
		return fmt.Errorf("%w: expected %d, got %d", ErrIDMismatch, sent.Id, reply.Id)
	}
	if !reply.Response {
		return errors.New("reply has QR=0")
	}
	if len(reply.Question) == 0 && (reply.Rcode == dns.RcodeFormatError || reply.Rcode == dns.RcodeNotImplemented) {
		return nil // some servers omit the question from FORMERR
	}
	if len(reply.Question) != 1 {
		return fmt.Errorf("reply has %d questions", len(reply.Question))
	}
	rq, sq := reply.Question[0], sent.Question[0]
	if !strings.EqualFold(rq.Name, sq.Name) || rq.Qtype != sq.Qtype || rq.Qclass != sq.Qclass {
		return fmt.Errorf("reply is for %s %s, not the question asked", sanitize(rq.Name), dns.Type(rq.Qtype).String())
	}
	return nil
}

// finish fills the query's summary fields from its final reply or attempt.
func (q *Query) finish(reply *dns.Msg, a *Attempt) {
	if a != nil {
		q.RTTms = a.RTTms
		q.Transport = a.Transport
		q.Error = a.Error
		q.ErrorKind = a.ErrorKind
	}
	if reply == nil {
		return
	}
	q.Error, q.ErrorKind = "", ""
	q.Reply = reply
	q.Rcode = dns.RcodeToString[reply.Rcode]
	q.Size = reply.Len()
	q.EDNS = reply.IsEdns0() != nil
	q.Flags = flagList(reply)
	q.Answer = rrStrings(reply.Answer)
	q.Authority = rrStrings(reply.Ns)
	q.Additional = rrStrings(reply.Extra)
}

func flagList(m *dns.Msg) []string {
	var f []string
	add := func(on bool, s string) {
		if on {
			f = append(f, s)
		}
	}
	add(m.Response, "qr")
	add(m.Authoritative, "aa")
	add(m.Truncated, "tc")
	add(m.RecursionDesired, "rd")
	add(m.RecursionAvailable, "ra")
	add(m.AuthenticatedData, "ad")
	add(m.CheckingDisabled, "cd")
	return f
}

func rrStrings(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeOPT {
			continue
		}
		out = append(out, sanitize(rr.String()))
	}
	return out
}

// sanitize escapes control characters, invalid UTF-8 and invisible
// formatting runes as \DDD so that nothing a server sent can reach a
// terminal raw. Presentation-format text from miekg/dns is already
// escaped; this is the second line of defence.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r != ' ' && !unicode.IsGraphic(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError || r != ' ' && !unicode.IsGraphic(r):
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, "\\%03d", c)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Sanitize is sanitize for other packages.
func Sanitize(s string) string { return sanitize(s) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
