package trace

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testPKI is a throwaway certificate authority for loopback servers.
type testPKI struct {
	ca    *x509.Certificate
	key   *ecdsa.PrivateKey
	pool  *x509.CertPool
	caPEM []byte
}

func newPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{ca: ca, key: key, pool: pool, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf issues a server certificate for names (host names or addresses),
// valid from notBefore to notAfter.
func (p *testPKI) leaf(t testing.TB, notBefore, notAfter time.Time, names ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0], Organization: []string{"ddx test"}},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func (p *testPKI) good(t testing.TB, names ...string) tls.Certificate {
	return p.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(12*time.Hour), names...)
}

// answerA answers every query with A 192.0.2.80, as a resolver (RA=1).
func answerA(m *dns.Msg) *dns.Msg {
	r := new(dns.Msg)
	r.SetReply(m)
	r.RecursionAvailable = true
	rr, _ := dns.NewRR(m.Question[0].Name + " 300 IN A 192.0.2.80")
	r.Answer = append(r.Answer, rr)
	return r
}

// countingListener counts the TCP connections a server accepts.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// startDoT serves DNS over TLS on loopback with cert (or plain DNS over
// TCP without one) and counts connections.
func startDoT(t testing.TB, cert *tls.Certificate, handle func(dns.ResponseWriter, *dns.Msg)) (netip.AddrPort, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := new(atomic.Int32)
	var l net.Listener = countingListener{ln, n}
	if cert != nil {
		l = tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{*cert}})
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", handle)
	srv := &dns.Server{Listener: l, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return netip.MustParseAddrPort(ln.Addr().String()), n
}

func reply(fn func(*dns.Msg) *dns.Msg) func(dns.ResponseWriter, *dns.Msg) {
	return func(w dns.ResponseWriter, m *dns.Msg) { w.WriteMsg(fn(m)) }
}

// dohSeen is what a test DoH server saw.
type dohSeen struct {
	mu      sync.Mutex
	methods []string
	ids     []uint16
}

// dohHandler serves RFC 8484 requests with fn.
func dohHandler(seen *dohSeen, fn func(*dns.Msg) *dns.Msg) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var wire []byte
		switch r.Method {
		case http.MethodGet:
			wire, _ = base64.RawURLEncoding.DecodeString(r.URL.Query().Get("dns"))
		case http.MethodPost:
			if r.Header.Get("Content-Type") != "application/dns-message" {
				http.Error(w, "bad content type", http.StatusUnsupportedMediaType)
				return
			}
			wire, _ = io.ReadAll(io.LimitReader(r.Body, 65535))
		}
		m := new(dns.Msg)
		if err := m.Unpack(wire); err != nil {
			http.Error(w, "not a DNS message", http.StatusBadRequest)
			return
		}
		seen.mu.Lock()
		seen.methods = append(seen.methods, r.Method+" "+r.Proto)
		seen.ids = append(seen.ids, m.Id)
		seen.mu.Unlock()
		out, _ := fn(m).Pack()
		w.Header().Set("Content-Type", "application/dns-message")
		w.Write(out)
	}
}

// startDoH serves h over HTTPS (HTTP/2) on loopback and counts connections.
func startDoH(t testing.TB, cert tls.Certificate, h http.Handler) (string, netip.AddrPort, *atomic.Int32) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.EnableHTTP2 = true
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	n := new(atomic.Int32)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ap := netip.MustParseAddrPort(strings.TrimPrefix(ts.URL, "https://"))
	return ts.URL + "/dns-query", ap, n
}

func dohSpec(url string, ap netip.AddrPort) ResolverSpec {
	return ResolverSpec{Transport: TransportHTTPS, Addr: ap, URL: url}
}

func ask(t testing.TB, spec ResolverSpec, o ResolverOptions) *ResolverReply {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	c := NewResolverClient(spec, o)
	defer c.Close()
	return c.Ask(context.Background(), "www.healthy.test.", dns.TypeA)
}
