package trace

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// Transport is how a resolver is asked.
type Transport string

// Transports a resolver can be asked over.
const (
	TransportDNS   Transport = "dns"   // UDP with TCP fallback, or TCP only (RFC 1035, RFC 7766)
	TransportTLS   Transport = "tls"   // DNS over TLS (RFC 7858), port 853
	TransportHTTPS Transport = "https" // DNS over HTTPS (RFC 8484), port 443
)

// ResolverSpec is a resolver as written on the command line: @ADDR,
// @ADDR:PORT, @HOST, @tls://ADDR[:PORT] or @https://HOST[:PORT]/PATH.
type ResolverSpec struct {
	Transport Transport
	Addr      netip.AddrPort // where to connect
	// Host is the host name given ("" for an address): it is sent as SNI
	// and the certificate must carry it. Without it the certificate must
	// carry Addr's IP address.
	Host string
	URL  string // DNS over HTTPS: the endpoint
}

// Display is the resolver as shown and as findings name it: ip:port for
// plain DNS, tls://ip:port or tls://host:port, the URL for DoH.
func (s ResolverSpec) Display() string {
	switch s.Transport {
	case TransportTLS:
		h := s.Addr.Addr().String()
		if s.Host != "" {
			h = s.Host
		}
		return "tls://" + net.JoinHostPort(h, strconv.Itoa(int(s.Addr.Port())))
	case TransportHTTPS:
		return s.URL
	}
	return s.Addr.String()
}

// serverName is the name (or address) the certificate must carry.
func (s ResolverSpec) serverName() string {
	if s.Host != "" {
		return s.Host
	}
	return s.Addr.Addr().String()
}

// ParseResolverSpec reads a resolver in any of the forms of ResolverSpec,
// with or without its @. A host name is looked up with the system
// resolver; the address found is the one connected to and shown.
func ParseResolverSpec(ctx context.Context, s string) (ResolverSpec, error) {
	return parseResolverSpec(ctx, s, net.DefaultResolver.LookupNetIP)
}

// lookupFunc looks a host name up (net.Resolver.LookupNetIP).
type lookupFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

func parseResolverSpec(ctx context.Context, s string, lookup lookupFunc) (ResolverSpec, error) {
	s = strings.TrimPrefix(s, "@")
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		ap, host, err := ParseResolver(ctx, s)
		return ResolverSpec{Transport: TransportDNS, Addr: ap, Host: host}, err
	}
	switch strings.ToLower(scheme) {
	case "tls":
		if strings.ContainsAny(rest, "/?#@") {
			return ResolverSpec{}, fmt.Errorf("resolver %q: tls:// takes an address or host name and a port, nothing else", s)
		}
		host, port, err := splitHostPort(rest, 853)
		if err != nil {
			return ResolverSpec{}, fmt.Errorf("resolver %q: %v", s, err)
		}
		return lookupSpec(ctx, lookup, s, ResolverSpec{Transport: TransportTLS}, host, port)
	case "https":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
			return ResolverSpec{}, fmt.Errorf("resolver %q: write DNS over HTTPS as https://HOST[:PORT]/PATH", s)
		}
		host, port, err := splitHostPort(u.Host, 443)
		if err != nil {
			return ResolverSpec{}, fmt.Errorf("resolver %q: %v", s, err)
		}
		if u.Path == "" || u.Path == "/" {
			u.Path = "/dns-query" // RFC 8484's example, and what kdig, q and doggo assume
		}
		u.Fragment, u.RawFragment = "", ""
		u.Scheme = "https"
		spec, err := lookupSpec(ctx, lookup, s, ResolverSpec{Transport: TransportHTTPS}, host, port)
		if err == nil && port == 443 {
			u.Host = hostForURL(host)
		}
		spec.URL = u.String()
		return spec, err
	case "quic", "doq", "h3":
		return ResolverSpec{}, fmt.Errorf("resolver %q: ddx speaks DNS over UDP/TCP, TLS (tls://) and HTTPS (https://), not DNS over QUIC or HTTP/3", s)
	}
	return ResolverSpec{}, fmt.Errorf("resolver %q: unknown scheme %s://; use tls:// (DNS over TLS) or https:// (DNS over HTTPS)", s, scheme)
}

func hostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

func splitHostPort(s string, def uint16) (string, uint16, error) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return "", 0, errors.New("bad port")
		}
		return h, uint16(n), nil
	}
	return strings.Trim(s, "[]"), def, nil
}

func lookupSpec(ctx context.Context, lookup lookupFunc, given string, spec ResolverSpec, host string, port uint16) (ResolverSpec, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		spec.Addr = netip.AddrPortFrom(a.Unmap(), port)
		return spec, nil
	}
	if !isHostName(host) {
		return spec, fmt.Errorf("resolver %q: %q is not an address or a host name", given, host)
	}
	addrs, err := lookup(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return spec, fmt.Errorf("resolver %q: cannot find the address of %s: %v", given, host, err)
	}
	spec.Host = strings.TrimSuffix(strings.ToLower(host), ".")
	spec.Addr = netip.AddrPortFrom(addrs[0].Unmap(), port)
	return spec, nil
}

// TLSInfo is what a TLS session to a resolver showed.
type TLSInfo struct {
	Version    string    `json:"version,omitempty"` // "TLS 1.3"
	ALPN       string    `json:"alpn,omitempty"`
	ServerName string    `json:"server_name"` // the name or address the certificate must carry
	Subject    string    `json:"subject,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	Names      []string  `json:"names,omitempty"` // the certificate's subject alternative names
	NotAfter   time.Time `json:"not_after,omitzero"`
	// Verified: the chain leads to a trusted root (the system's, or
	// --tls-ca) and the certificate carries ServerName. False with
	// --tls-insecure, and when verification failed.
	Verified bool `json:"verified"`
}

// HTTPInfo is the HTTP exchange of a DNS over HTTPS query.
type HTTPInfo struct {
	Method      string `json:"method"` // POST, or GET with ?dns=
	Proto       string `json:"proto,omitempty"`
	Status      int    `json:"status,omitempty"`
	StatusText  string `json:"status_text,omitempty"` // as sent, cleaned
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"` // a redirect's target
}

// FailureLayer is the layer at which asking a resolver failed.
type FailureLayer string

// Layers, bottom up.
const (
	LayerConnect FailureLayer = "connect" // the TCP connection
	LayerTLS     FailureLayer = "tls"     // the TLS handshake and the certificate
	LayerHTTP    FailureLayer = "http"    // the HTTP exchange (DoH)
	LayerDNS     FailureLayer = "dns"     // the DNS message carried
)

// FailureKind says what failed at a layer.
type FailureKind string

// Failure kinds.
const (
	FailRefused          FailureKind = "connection-refused"
	FailUnreachable      FailureKind = "unreachable"
	FailConnectSilent    FailureKind = "connect-no-answer" // SYN unanswered: a firewall drops the port
	FailHandshake        FailureKind = "tls-handshake"
	FailNameMismatch     FailureKind = "certificate-name-mismatch"
	FailExpired          FailureKind = "certificate-expired"
	FailNotYetValid      FailureKind = "certificate-not-yet-valid"
	FailUnknownAuthority FailureKind = "certificate-unknown-authority"
	FailCertificate      FailureKind = "certificate-invalid"
	FailHTTPStatus       FailureKind = "http-status"
	FailContentType      FailureKind = "content-type"
	FailHTTP             FailureKind = "http-error"
	FailTooLarge         FailureKind = "too-large"
	FailNotDNS           FailureKind = "not-dns"
	FailWrongReply       FailureKind = "wrong-reply" // a DNS message that does not answer the query
	FailClosed           FailureKind = "connection-closed"
	FailNoReply          FailureKind = "no-reply"
)

// TransportFailure says which layer failed, and how, in words.
type TransportFailure struct {
	Layer  FailureLayer `json:"layer"`
	Kind   FailureKind  `json:"kind"`
	Detail string       `json:"detail"` // cleaned for a terminal
}

func (f *TransportFailure) Error() string { return f.Detail }

// maxDoHBody is the largest DNS message (RFC 8484 §6 carries one message).
const maxDoHBody = 65535

// LoadCAs returns the system roots plus the certificates of a PEM file
// (--tls-ca).
func LoadCAs(file string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

// A ResolverClient asks one resolver, over its transport, as many times as
// needed: DNS over TLS keeps its connection open, DNS over HTTPS keeps one
// http.Client (and so its connection) between queries. Close releases them.
type ResolverClient struct {
	Spec ResolverSpec
	o    ResolverOptions

	mu      sync.Mutex
	dot     net.Conn // DNS over TLS: the connection kept
	dotInfo *TLSInfo
	http    *http.Client
}

// NewResolverClient returns a client for spec; nothing is sent yet.
func NewResolverClient(spec ResolverSpec, o ResolverOptions) *ResolverClient {
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	return &ResolverClient{Spec: spec, o: o}
}

// Close closes the connections kept.
func (c *ResolverClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeDoT()
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
	return nil
}

// Ask sends one recursive query (RD=1) over the resolver's transport.
func (c *ResolverClient) Ask(ctx context.Context, name string, qtype uint16) *ResolverReply {
	if c.Spec.Transport == TransportDNS || c.Spec.Transport == "" {
		r := AskResolver(ctx, c.Spec.Addr, name, qtype, c.o)
		r.Name = c.Spec.Host
		return r
	}
	rr := &ResolverReply{Address: c.Spec.Display(), Name: c.Spec.Host, Connect: c.Spec.Addr.String(),
		Answers: []RR{}, Attempts: []*Attempt{}, At: time.Now(), Transport: string(c.Spec.Transport), Insecure: c.o.Insecure}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true // as dig does: a validating resolver says whether it validated (RFC 6840 §5.7)
	m.SetEdns0(ednsBufSize, false)
	opt := m.IsEdns0()
	if c.o.NSID {
		opt.Option = append(opt.Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	}
	// Pad encrypted queries to a multiple of 128 octets (RFC 8467 §4.1).
	opt.Option = append(opt.Option, &dns.EDNS0_PADDING{})
	if n := m.Len() % 128; n != 0 {
		opt.Option[len(opt.Option)-1] = &dns.EDNS0_PADDING{Padding: make([]byte, 128-n)}
	}
	a := &Attempt{Try: 1, Transport: string(c.Spec.Transport), EDNS: true}
	rr.Attempts = append(rr.Attempts, a)
	var reply *dns.Msg
	var f *TransportFailure
	var rtt time.Duration
	if c.Spec.Transport == TransportTLS {
		reply, rtt, f = c.askDoT(ctx, m, rr)
	} else {
		m.Id = 0 // RFC 8484 §4.1: cache-friendly
		reply, rtt, f = c.askDoH(ctx, m, rr)
	}
	a.RTTms, rr.RTTms = ms(rtt), ms(rtt)
	if f == nil {
		if err := validate(m, reply); err != nil {
			f = &TransportFailure{Layer: LayerDNS, Kind: FailWrongReply, Detail: "the reply does not answer the query: " + err.Error()}
			c.mu.Lock()
			c.closeDoT() // the stream is out of step: start afresh
			c.mu.Unlock()
		}
	}
	if f != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			a.ErrorKind, a.Error, rr.Error = ErrKindCancelled, "cancelled", "cancelled"
			return rr
		}
		f.Detail = sanitize(f.Detail)
		rr.Failure = f
		a.ErrorKind, a.Error = f.errorKind(), f.Detail
		rr.Error = f.Detail
		return rr
	}
	a.Rcode, a.TC, a.Size = dns.RcodeToString[reply.Rcode], reply.Truncated, reply.Len()
	fillReply(rr, reply)
	return rr
}

// errorKind maps a failure on the attempt's error kinds, for the readers
// of attempts; findings read the failure itself.
func (f *TransportFailure) errorKind() ErrorKind {
	switch f.Kind {
	case FailRefused, FailUnreachable:
		return ErrKindUnreachable
	case FailConnectSilent, FailNoReply:
		return ErrKindTimeout
	case FailNotDNS, FailWrongReply:
		return ErrKindInvalid
	}
	return ErrKindError
}

func (c *ResolverClient) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         c.Spec.serverName(),
		RootCAs:            c.o.RootCAs,
		InsecureSkipVerify: c.o.Insecure,
		MinVersion:         tls.VersionTLS12, // RFC 8310 §9, RFC 8484 §5
	}
}

func (c *ResolverClient) tlsInfo(st tls.ConnectionState) *TLSInfo {
	ti := &TLSInfo{Version: tls.VersionName(st.Version), ALPN: sanitize(st.NegotiatedProtocol),
		ServerName: c.Spec.serverName(), Verified: !c.o.Insecure}
	if len(st.PeerCertificates) > 0 {
		certInfo(ti, st.PeerCertificates[0])
	}
	return ti
}

func certInfo(ti *TLSInfo, cert *x509.Certificate) {
	ti.Subject = short(sanitize(cert.Subject.String()))
	ti.Issuer = short(sanitize(cert.Issuer.String()))
	ti.NotAfter = cert.NotAfter.UTC()
	ti.Names = nil
	for _, n := range cert.DNSNames {
		ti.Names = append(ti.Names, short(sanitize(n)))
	}
	for _, ip := range cert.IPAddresses {
		ti.Names = append(ti.Names, ip.String())
	}
	if len(ti.Names) > 8 {
		ti.Names = append(ti.Names[:8], fmt.Sprintf("and %d more", len(ti.Names)-8))
	}
}

// connectFailure names why a TCP connection could not be made.
func connectFailure(err error, timeout time.Duration, port uint16) *TransportFailure {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &TransportFailure{LayerConnect, FailRefused, fmt.Sprintf("connection refused: nothing listens on TCP port %d there", port)}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &TransportFailure{LayerConnect, FailUnreachable, "the address is unreachable from here (no route)"}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &TransportFailure{LayerConnect, FailConnectSilent, fmt.Sprintf("the TCP connection to port %d got no answer within %s: a firewall drops the port, or nothing is there", port, timeout)}
	}
	return &TransportFailure{LayerConnect, FailUnreachable, "the TCP connection failed: " + err.Error()}
}

// tlsFailure names why a TLS handshake failed, and records what the
// certificate said when that is why.
func tlsFailure(err error, ti *TLSInfo, timeout time.Duration) *TransportFailure {
	var (
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		unknown x509.UnknownAuthorityError
		ne      net.Error
	)
	switch {
	case errors.As(err, &host):
		certInfo(ti, host.Certificate)
		return &TransportFailure{LayerTLS, FailNameMismatch, fmt.Sprintf("TLS certificate name mismatch: the certificate is for %s, not %s", certNames(ti), ti.ServerName)}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		certInfo(ti, invalid.Cert)
		if time.Now().Before(invalid.Cert.NotBefore) {
			return &TransportFailure{LayerTLS, FailNotYetValid, fmt.Sprintf("TLS certificate not yet valid: it is valid from %s (is this machine's clock right?)", invalid.Cert.NotBefore.UTC().Format(time.RFC3339))}
		}
		return &TransportFailure{LayerTLS, FailExpired, fmt.Sprintf("TLS certificate expired on %s (%s)", invalid.Cert.NotAfter.UTC().Format(time.RFC3339), ti.Subject)}
	case errors.As(err, &invalid):
		certInfo(ti, invalid.Cert)
		return &TransportFailure{LayerTLS, FailCertificate, "TLS certificate rejected: " + invalid.Error()}
	case errors.As(err, &unknown):
		if unknown.Cert != nil {
			certInfo(ti, unknown.Cert)
		}
		return &TransportFailure{LayerTLS, FailUnknownAuthority, fmt.Sprintf("TLS certificate signed by an unknown authority (issuer %s): neither the system roots nor --tls-ca hold it", ti.Issuer)}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &TransportFailure{LayerTLS, FailHandshake, fmt.Sprintf("the TCP connection was made but the TLS handshake did not finish within %s: the port may not speak TLS", timeout)}
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return &TransportFailure{LayerTLS, FailHandshake, "TLS handshake failed: the server closed the connection during the handshake"}
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) {
		return &TransportFailure{LayerTLS, FailHandshake, "TLS handshake failed: the server does not speak TLS on this port"}
	}
	return &TransportFailure{LayerTLS, FailHandshake, "TLS handshake failed: " + strings.TrimPrefix(err.Error(), "tls: ")}
}

func certNames(ti *TLSInfo) string {
	if len(ti.Names) == 0 {
		return "no name (" + ti.Subject + ")"
	}
	return strings.Join(ti.Names, ", ")
}

// isHostName reports whether s is written like a host name (letters,
// digits, hyphens, underscores, dots): nothing else is looked up.
func isHostName(s string) bool {
	if _, ok := dns.IsDomainName(s); !ok || s == "" || s == "." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// short cuts a server-provided text to 200 bytes, at a rune boundary.
func short(s string) string {
	if len(s) <= 200 {
		return s
	}
	cut := 200
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
