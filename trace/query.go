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

// ErrBudget is returned for a query the level-of-effort budget refused.
var ErrBudget = errors.New("query budget exhausted")

// ask sends one question to one server the way a careful resolver would:
// UDP with EDNS, retried up to Tries times; TC=1 → TCP; FORMERR or NOTIMP
// with EDNS → once more without; a last try without EDNS when every EDNS
// try was silent. Every packet is recorded as an Attempt.
func (r *run) ask(ctx context.Context, addr netip.AddrPort, name string, qtype uint16, rd bool, purpose Purpose) *Query {
	q := &Query{
		Purpose: purpose, Name: name, Type: dns.Type(qtype).String(), RD: rd,
		Transport: "udp", Attempts: []*Attempt{},
	}
	if !r.takeQuery() {
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

	if purpose == PurposeTCP {
		a, reply := r.attempt(ctx, addr, name, qtype, rd, true, "tcp", 1, ChangeTCPOnly, "TCP only")
		q.Attempts = append(q.Attempts, a)
		q.finish(reply, a)
		if reply == nil {
			q.Class = ClassError
		}
		return q
	}
	edns := true
	timeouts := 0
	formerrRetried := false
	var last *Attempt
	for try := 1; try <= r.cfg.Tries; try++ {
		var kind ChangeKind
		change := ""
		if try > 1 {
			kind, change = ChangeRetry, "retry after "+string(last.ErrorKind)
		}
		if try == r.cfg.Tries && try > 1 && timeouts == try-1 && edns {
			edns = false
			kind = ChangeNoEDNSAfterSilence
			change = fmt.Sprintf("without EDNS after %d silent EDNS tr%s", timeouts, plural(timeouts, "y", "ies"))
		}
		a, reply := r.attempt(ctx, addr, name, qtype, rd, edns, "udp", try, kind, change)
		q.Attempts = append(q.Attempts, a)
		last = a
		if reply == nil {
			if a.ErrorKind == ErrKindTimeout {
				timeouts++
				if context.Cause(ctx) == errStraggler {
					break
				}
				continue
			}
			if a.ErrorKind == ErrKindInvalid || a.ErrorKind == ErrKindIDMismatch {
				continue
			}
			break // unreachable or cancelled: another try will not help
		}
		if reply.Truncated {
			ta, treply := r.attempt(ctx, addr, name, qtype, rd, edns, "tcp", try, ChangeTCPAfterTC, "TCP after TC=1")
			q.Attempts = append(q.Attempts, ta)
			if treply == nil {
				q.finish(nil, ta)
				q.ErrorKind = ErrKindTCP
				q.Error = "truncated over UDP, and TCP failed: " + ta.Error
				q.Class = ClassError
				return q
			}
			reply, a = treply, ta
		}
		if edns && !formerrRetried && (reply.Rcode == dns.RcodeFormatError || reply.Rcode == dns.RcodeNotImplemented) {
			formerrRetried = true
			edns = false
			na, nreply := r.attempt(ctx, addr, name, qtype, rd, false, "udp", try, ChangeNoEDNSAfterFormErr, "without EDNS after "+dns.RcodeToString[reply.Rcode])
			q.Attempts = append(q.Attempts, na)
			if nreply != nil && !nreply.Truncated {
				reply, a = nreply, na
			}
		}
		q.finish(reply, a)
		if !edns && timeouts > 0 && ctx.Err() == nil {
			// Answered only without EDNS: ask once more with EDNS to tell
			// a lost packet from a server that drops EDNS.
			ca, _ := r.attempt(ctx, addr, name, qtype, rd, true, "udp", try+1, ChangeConfirmEDNS, "EDNS again to confirm")
			q.Attempts = append(q.Attempts, ca)
		}
		return q
	}
	q.finish(nil, last)
	q.Class = ClassError
	if q.ErrorKind == ErrKindTimeout {
		r.countTimeout()
	}
	return q
}

// attempt sends one packet and validates the reply.
func (r *run) attempt(ctx context.Context, addr netip.AddrPort, name string, qtype uint16, rd, edns bool, transport string, try int, kind ChangeKind, change string) (*Attempt, *dns.Msg) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = rd
	if edns {
		m.SetEdns0(ednsBufSize, false)
	}
	a := &Attempt{Try: try, Transport: transport, EDNS: edns, Change: change, Retry: kind}
	r.countAttempt()
	actx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	sent := time.Now()
	reply, rtt, err := r.cfg.Exchanger.Exchange(actx, m, addr, transport)
	a.RTTms = ms(rtt)
	if err != nil && context.Cause(ctx) == errStraggler {
		a.RTTms = ms(time.Since(sent))
	}
	if err != nil {
		switch {
		case context.Cause(ctx) == errStraggler:
			a.ErrorKind = ErrKindTimeout
			a.Error = fmt.Sprintf("no reply within %s, while the zone's other servers had answered", time.Duration(a.RTTms*float64(time.Millisecond)).Round(time.Millisecond))
			if a.RTTms == 0 {
				a.Error = "no reply: the zone's other servers had answered long before"
			}
		case ctx.Err() != nil:
			a.ErrorKind, a.Error = ErrKindCancelled, "cancelled"
		case errors.Is(err, ErrTimeout) || actx.Err() != nil:
			a.ErrorKind, a.Error = ErrKindTimeout, fmt.Sprintf("no reply within %s", r.cfg.Timeout)
			a.RTTms = ms(r.cfg.Timeout)
		case errors.Is(err, ErrUnreachable):
			a.ErrorKind, a.Error = ErrKindUnreachable, err.Error()
		default:
			a.ErrorKind, a.Error = ErrKindError, err.Error()
		}
		if transport == "tcp" && a.ErrorKind != ErrKindCancelled {
			a.ErrorKind = ErrKindTCP
		}
		return a, nil
	}
	if err := validate(m, reply); err != nil {
		a.ErrorKind, a.Error = ErrKindInvalid, err.Error()
		return a, nil
	}
	a.Rcode = dns.RcodeToString[reply.Rcode]
	a.TC = reply.Truncated
	a.Size = reply.Len()
	return a, reply
}

// validate checks that a reply answers the message that was sent.
func validate(sent, reply *dns.Msg) error {
	if reply.Id != sent.Id {
		return fmt.Errorf("reply ID %d does not match query ID %d", reply.Id, sent.Id)
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
