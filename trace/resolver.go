package trace

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ResolverOptions say how to ask a recursive resolver.
type ResolverOptions struct {
	Exchanger Exchanger     // default: the real network
	Timeout   time.Duration // per attempt (default 3 s: resolvers may recurse)
	Tries     int           // UDP tries (default 2)
	TCP       bool          // TCP only
	NSID      bool          // ask for the server's NSID

	// DNS over TLS and HTTPS (ResolverClient).
	RootCAs  *x509.CertPool // trusted roots; nil: the system's
	Insecure bool           // verify nothing (--tls-insecure)
	DoHGet   bool           // GET with ?dns= instead of POST
}

// ResolverReply is what one resolver answered, or why it did not.
type ResolverReply struct {
	Address    string     `json:"address"`
	Name       string     `json:"name,omitempty"` // as given, if a host name
	Rcode      string     `json:"rcode,omitempty"`
	Error      string     `json:"error,omitempty"`
	Flags      []string   `json:"flags,omitempty"`
	RA         bool       `json:"ra"`
	AA         bool       `json:"aa"`
	AD         bool       `json:"ad"`
	TC         bool       `json:"tc"`
	Answers    []RR       `json:"answers"`
	Authority  []RR       `json:"authority,omitempty"`
	Additional []RR       `json:"additional,omitempty"`
	EDNS       *EDNSInfo  `json:"edns,omitempty"`
	EDE        []EDE      `json:"ede,omitempty"`
	RTTms      float64    `json:"rtt_ms"`
	Transport  string     `json:"transport"`
	Attempts   []*Attempt `json:"attempts"`
	At         time.Time  `json:"at"`
	Reply      *dns.Msg   `json:"-"`

	// Over DNS over TLS or HTTPS only (see transport.go).

	// Connect is the address connected to, when Address is a URL.
	Connect string `json:"connect,omitempty"`
	// ConnectMs is the TCP connection's set-up time, TLSms the TLS
	// handshake's; both are 0 when Reused (a connection kept from an
	// earlier query, as with --repeat).
	ConnectMs float64           `json:"connect_ms,omitempty"`
	TLSms     float64           `json:"tls_ms,omitempty"`
	Reused    bool              `json:"reused,omitempty"`
	TLS       *TLSInfo          `json:"tls,omitempty"`
	HTTP      *HTTPInfo         `json:"http,omitempty"`
	Failure   *TransportFailure `json:"transport_failure,omitempty"`
	// Insecure: asked with --tls-insecure; nothing about the server's
	// identity was verified.
	Insecure bool `json:"tls_insecure,omitempty"`
}

// RR is one record, split for comparison.
type RR struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"`
}

// Key identifies a record without its TTL.
func (r RR) Key() string { return strings.ToLower(r.Name) + " " + r.Type + " " + r.Data }

// EDNSInfo is the OPT record of a reply.
type EDNSInfo struct {
	UDPSize uint16 `json:"udp_size"`
	NSID    string `json:"nsid,omitempty"`
}

// EDE is an RFC 8914 Extended DNS Error.
type EDE struct {
	Code uint16 `json:"code"`
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
}

// ParseResolver reads a resolver given as IP, IP:port, [IPv6]:port or a
// host name (looked up with the system resolver).
func ParseResolver(ctx context.Context, s string) (netip.AddrPort, string, error) {
	s = strings.TrimPrefix(s, "@")
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap, "", nil
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return netip.AddrPortFrom(a.Unmap(), 53), "", nil
	}
	host, port := s, uint16(53)
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return netip.AddrPort{}, "", fmt.Errorf("resolver %q: bad port", s)
		}
		host, port = h, uint16(n)
	}
	if !isHostName(host) {
		return netip.AddrPort{}, "", fmt.Errorf("resolver %q is not an address or a host name", s)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.AddrPort{}, "", fmt.Errorf("resolver %q: cannot find its address: %v", s, err)
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), port), host, nil
}

// SystemResolvers reads the name servers of a resolv.conf file.
func SystemResolvers(path string) ([]netip.AddrPort, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var out []netip.AddrPort
	port, _ := strconv.Atoi(cc.Port)
	if port == 0 {
		port = 53
	}
	for _, s := range cc.Servers {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.AddrPortFrom(a.Unmap(), uint16(port)))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no name servers", path)
	}
	return out, nil
}

// AskResolver sends one recursive query (RD=1) to a resolver: UDP with
// EDNS, retried, TC → TCP, or TCP only.
func AskResolver(ctx context.Context, ap netip.AddrPort, name string, qtype uint16, o ResolverOptions) *ResolverReply {
	if o.Exchanger == nil {
		o.Exchanger = NetExchanger{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Tries <= 0 {
		o.Tries = 2
	}
	rr := &ResolverReply{Address: ap.String(), Answers: []RR{}, Attempts: []*Attempt{}, At: time.Now()}
	transport := "udp"
	if o.TCP {
		transport = "tcp"
	}
	var reply *dns.Msg
	for try := 1; try <= o.Tries && reply == nil; try++ {
		a, r := resolverAttempt(ctx, o, ap, name, qtype, transport, try)
		if try > 1 {
			a.Retry = ChangeRetry
		}
		rr.Attempts = append(rr.Attempts, a)
		if r != nil && r.Truncated && transport == "udp" {
			ta, tr := resolverAttempt(ctx, o, ap, name, qtype, "tcp", try)
			ta.Change, ta.Retry = "TCP after TC=1", ChangeTCPAfterTC
			rr.Attempts = append(rr.Attempts, ta)
			r, a = tr, ta
		}
		if r != nil {
			reply, rr.RTTms, rr.Transport = r, a.RTTms, a.Transport
			break
		}
		rr.Error, rr.RTTms, rr.Transport = a.Error, a.RTTms, a.Transport
		if a.ErrorKind != ErrKindTimeout && a.ErrorKind != ErrKindInvalid && a.ErrorKind != ErrKindIDMismatch {
			break
		}
	}
	if reply == nil {
		if rr.Error == "" {
			rr.Error = "no reply"
		}
		return rr
	}
	fillReply(rr, reply)
	return rr
}

// fillReply records a resolver's reply in rr.
func fillReply(rr *ResolverReply, reply *dns.Msg) {
	rr.Error = ""
	rr.Reply = reply
	rr.Rcode = dns.RcodeToString[reply.Rcode]
	rr.Flags = flagList(reply)
	rr.RA, rr.AA, rr.AD, rr.TC = reply.RecursionAvailable, reply.Authoritative, reply.AuthenticatedData, reply.Truncated
	rr.Answers = splitRRs(reply.Answer)
	rr.Authority = splitRRs(reply.Ns)
	rr.Additional = splitRRs(reply.Extra)
	if opt := reply.IsEdns0(); opt != nil {
		rr.EDNS = &EDNSInfo{UDPSize: opt.UDPSize()}
		for _, o := range opt.Option {
			switch v := o.(type) {
			case *dns.EDNS0_NSID:
				rr.EDNS.NSID = nsidText(v.Nsid)
			case *dns.EDNS0_EDE:
				name := dns.ExtendedErrorCodeToString[v.InfoCode]
				if name == "" {
					name = fmt.Sprintf("code %d", v.InfoCode)
				}
				rr.EDE = append(rr.EDE, EDE{Code: v.InfoCode, Name: name, Text: sanitize(v.ExtraText)})
			}
		}
	}
}

func resolverAttempt(ctx context.Context, o ResolverOptions, ap netip.AddrPort, name string, qtype uint16, transport string, try int) (*Attempt, *dns.Msg) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true // as dig does: a validating resolver says whether it validated (RFC 6840 §5.7)
	m.SetEdns0(ednsBufSize, false)
	if o.NSID {
		opt := m.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}
	a := &Attempt{Try: try, Transport: transport, EDNS: true}
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	r, rtt, err := o.Exchanger.Exchange(actx, m, ap, transport)
	a.RTTms = ms(rtt)
	if err != nil {
		switch {
		case errors.Is(err, ErrTimeout) || actx.Err() != nil:
			a.ErrorKind, a.Error = ErrKindTimeout, fmt.Sprintf("no reply within %s", o.Timeout)
			a.RTTms = ms(o.Timeout)
		case errors.Is(err, ErrUnreachable):
			a.ErrorKind, a.Error = ErrKindUnreachable, err.Error()
		default:
			a.ErrorKind, a.Error = ErrKindError, sanitize(err.Error())
		}
		return a, nil
	}
	if err := validate(m, r); err != nil {
		a.ErrorKind, a.Error = ErrKindInvalid, err.Error()
		return a, nil
	}
	a.Rcode, a.TC, a.Size = dns.RcodeToString[r.Rcode], r.Truncated, r.Len()
	return a, r
}

func splitRRs(rrs []dns.RR) []RR {
	out := []RR{}
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == dns.TypeOPT {
			continue
		}
		text := rr.String()
		data := strings.TrimPrefix(text, h.String())
		out = append(out, RR{Name: sanitize(strings.ToLower(h.Name)), Type: dns.Type(h.Rrtype).String(), TTL: h.Ttl, Data: sanitize(data)})
	}
	return out
}

// nsidText shows an NSID as text when it is printable, else as hex.
func nsidText(hexs string) string {
	b, err := hex.DecodeString(hexs)
	if err != nil {
		return sanitize(hexs)
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return "0x" + hexs
		}
	}
	return string(b)
}
