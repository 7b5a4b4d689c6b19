package sim

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// A Validator judges a finished trace the way a validating resolver judges
// the chain of trust of its answer: secure (the resolver sets AD), or
// bogus, with the extended DNS error (RFC 8914) of its SERVFAIL; neither
// for an insecure or indeterminate answer. ddx's own validation provides
// it (diagnose.ResolverVerdict): sim imports no diagnosis, so whoever
// loads a universe with a validating resolver sets it (SetValidator).
type Validator func(t *trace.Trace) (secure bool, bogus *dns.EDNS0_EDE)

// SetValidator gives the universe's validating resolvers their judge.
// Without one they answer SERVFAIL to everything (EDE 0, saying so).
func (u *Universe) SetValidator(v Validator) { u.validator = v }

// Clock is the universe's fixed clock: the time its zones were signed
// at, from which every signature's validity window is counted.
func (u *Universe) Clock() time.Time { return u.signedAt }

// validateReply turns the answer r that a validating resolver found for
// m into the one it gives: it traces the question over the universe as
// ddx does (DO bit, DS and DNSKEY from every server), from the
// universe's trust anchor and at its clock, and has the validator judge
// the trace. Only NOERROR and NXDOMAIN answers are judged: a failure
// stays one.
func (u *Universe) validateReply(ctx context.Context, m, r *dns.Msg, ede **dns.EDNS0_EDE) {
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return
	}
	if u.validator == nil {
		r.Rcode, r.Answer, r.Ns = dns.RcodeServerFailure, nil, nil
		*ede = &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeOther, ExtraText: "no validator configured (sim.Universe.SetValidator)"}
		return
	}
	q := m.Question[0]
	cfg := trace.Config{
		Roots: u.Roots(), Exchanger: offline{u}, Timeout: resolverServerTimeout,
		Now: u.Clock,
	}
	t, err := trace.Run(ctx, cfg, q.Name, q.Qtype, nil)
	if err != nil {
		r.Rcode, r.Answer, r.Ns = dns.RcodeServerFailure, nil, nil
		*ede = &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeOther, ExtraText: "validation: " + err.Error()}
		return
	}
	secure, bogus := u.validator(t)
	switch {
	case bogus != nil:
		r.Rcode, r.Answer, r.Ns = dns.RcodeServerFailure, nil, nil
		*ede = bogus
	case secure && (m.AuthenticatedData || m.IsEdns0() != nil && m.IsEdns0().Do()):
		// RFC 6840 §5.7: AD only for a client that shows it understands it.
		r.AuthenticatedData = true
	}
}

// offline carries a validating resolver's trace: the universe's servers
// answer at once, nothing is counted, slept, lost or jittered, and a
// silent server is a timeout without the wait (the resolver's own
// iteration costs the simulated time).
type offline struct{ u *Universe }

// TrustAnchors implements trace.TrustAnchorer: the universe's.
func (o offline) TrustAnchors() []dns.RR { return o.u.TrustAnchors() }

func (o offline) Exchange(ctx context.Context, m *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	s := o.u.servers[ap.Addr().Unmap()]
	if s == nil {
		return nil, 0, fmt.Errorf("%w: no route to host %s", trace.ErrUnreachable, ap.Addr())
	}
	edns := m.IsEdns0() != nil
	switch {
	case s.Faults[FaultUnreachable]:
		return nil, 0, fmt.Errorf("%w: connection refused (port unreachable)", trace.ErrUnreachable)
	case s.Faults[FaultDrop], s.Faults[FaultDropEDNS] && edns, s.Faults[FaultTCPDrop] && transport == "tcp", s.Faults[FaultUDPDrop] && transport == "udp", s.DropsConformance(m):
		return nil, 0, fmt.Errorf("%w", trace.ErrTimeout)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	rtt := s.Latency
	if transport == "tcp" {
		rtt *= 2
	}
	return o.u.answer(s, m, transport, edns), rtt, nil
}
