package trace

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestDoTAndDoHAnswer(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	cert := pki.good(t, "127.0.0.1")
	dot, _ := startDoT(t, &cert, reply(answerA))
	seen := &dohSeen{}
	url, dohAP, _ := startDoH(t, cert, dohHandler(seen, answerA))
	named := pki.good(t, "dns.test")
	namedURL, namedAP, _ := startDoH(t, named, dohHandler(&dohSeen{}, answerA))
	namedURL = strings.Replace(namedURL, "127.0.0.1", "dns.test", 1)

	for _, tc := range []struct {
		name      string
		spec      ResolverSpec
		get       bool
		transport string
		address   string
	}{
		{"DoT", ResolverSpec{Transport: TransportTLS, Addr: dot}, false, "tls", "tls://" + dot.String()},
		{"DoH POST", dohSpec(url, dohAP), false, "https", url},
		{"DoH GET", dohSpec(url, dohAP), true, "https", url},
		{"DoH by host name", ResolverSpec{Transport: TransportHTTPS, Addr: namedAP, Host: "dns.test", URL: namedURL}, false, "https", namedURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ask(t, tc.spec, ResolverOptions{RootCAs: pki.pool, DoHGet: tc.get})
			if r.Error != "" || r.Rcode != "NOERROR" || len(r.Answers) != 1 || r.Answers[0].Data != "192.0.2.80" {
				t.Fatalf("reply %+v (failure %+v)", r, r.Failure)
			}
			if r.Transport != tc.transport || r.Address != tc.address || r.Connect == "" {
				t.Errorf("transport %q address %q connect %q", r.Transport, r.Address, r.Connect)
			}
			ti := r.TLS
			if ti == nil || !ti.Verified || ti.Version != "TLS 1.3" || !strings.Contains(ti.Subject, "ddx test") || ti.NotAfter.IsZero() || !strings.Contains(ti.Issuer, "ddx test CA") {
				t.Errorf("TLS info %+v", ti)
			}
			if r.ConnectMs <= 0 || r.TLSms <= 0 || r.Reused {
				t.Errorf("connect %.3f ms, TLS %.3f ms, reused %v", r.ConnectMs, r.TLSms, r.Reused)
			}
			if tc.transport == "https" {
				if r.HTTP == nil || r.HTTP.Status != 200 || r.HTTP.Proto != "HTTP/2.0" || r.HTTP.ContentType != "application/dns-message" {
					t.Errorf("HTTP info %+v", r.HTTP)
				}
			}
		})
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if strings.Join(seen.methods, ",") != "POST HTTP/2.0,GET HTTP/2.0" || seen.ids[0] != 0 || seen.ids[1] != 0 {
		t.Errorf("the DoH server saw %v with IDs %v; want POST then GET over HTTP/2, ID 0 (RFC 8484 §4.1)", seen.methods, seen.ids)
	}
}

// Every broken endpoint is named by the layer that failed, in words, and
// never as a timeout.
func TestTransportFailuresNameTheLayer(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	other := newPKI(t, "someone else's CA")
	good := pki.good(t, "127.0.0.1")
	expired := pki.leaf(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "127.0.0.1")
	wrongIP := pki.good(t, "127.0.0.2")
	wrongName := pki.good(t, "other.test")
	unknown := other.good(t, "127.0.0.1")

	dotWith := func(c tls.Certificate) ResolverSpec {
		ap, _ := startDoT(t, &c, reply(answerA))
		return ResolverSpec{Transport: TransportTLS, Addr: ap}
	}
	plainTCP, _ := startDoT(t, nil, reply(answerA))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	named := dotWith(wrongName)
	named.Host = "dns.test"

	dohWith := func(h http.HandlerFunc) ResolverSpec {
		url, ap, _ := startDoH(t, good, h)
		return dohSpec(url, ap)
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "nope", code) }
	}
	body := func(ct string, b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Write(b)
		}
	}
	wrongID := func(w http.ResponseWriter, r *http.Request) {
		m := new(dns.Msg)
		m.SetQuestion("other.test.", dns.TypeA)
		m.Response = true
		out, _ := m.Pack()
		body("application/dns-message", out)(w, r)
	}

	for _, tc := range []struct {
		name  string
		spec  ResolverSpec
		layer FailureLayer
		kind  FailureKind
		words string
	}{
		{"refused", ResolverSpec{Transport: TransportTLS, Addr: closed}, LayerConnect, FailRefused, "connection refused"},
		{"plain DNS on the TLS port", ResolverSpec{Transport: TransportTLS, Addr: plainTCP}, LayerTLS, FailHandshake, "TLS handshake"},
		{"expired", dotWith(expired), LayerTLS, FailExpired, "expired on"},
		{"IP not in the certificate", dotWith(wrongIP), LayerTLS, FailNameMismatch, "the certificate is for 127.0.0.2, not 127.0.0.1"},
		{"name not in the certificate", named, LayerTLS, FailNameMismatch, "the certificate is for other.test, not dns.test"},
		{"unknown authority", dotWith(unknown), LayerTLS, FailUnknownAuthority, "unknown authority (issuer CN=someone else's CA)"},
		{"DoH unknown authority", func() ResolverSpec {
			url, ap, _ := startDoH(t, unknown, dohHandler(&dohSeen{}, answerA))
			return dohSpec(url, ap)
		}(), LayerTLS, FailUnknownAuthority, "unknown authority"},
		{"DoH refused", dohSpec("https://"+closed.String()+"/dns-query", closed), LayerConnect, FailRefused, "connection refused"},
		{"404", dohWith(status(404)), LayerHTTP, FailHTTPStatus, "HTTP status 404 Not Found, not 200: no DoH endpoint at this path"},
		{"500", dohWith(status(500)), LayerHTTP, FailHTTPStatus, "HTTP status 500"},
		{"redirect", dohWith(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.test/dns", http.StatusFound)
		}), LayerHTTP, FailHTTPStatus, "a redirect to https://elsewhere.test/"},
		{"a web page", dohWith(body("text/html; charset=utf-8", []byte("<html>hello</html>"))), LayerHTTP, FailContentType, "the reply is text/html; charset=utf-8, not application/dns-message"},
		{"not DNS", dohWith(body("application/dns-message", []byte("hello"))), LayerDNS, FailNotDNS, "is not a DNS message"},
		{"too large", dohWith(body("application/dns-message", make([]byte, 70000))), LayerDNS, FailTooLarge, "larger than 65535"},
		{"another question", dohWith(wrongID), LayerDNS, FailWrongReply, "does not answer the query"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ask(t, tc.spec, ResolverOptions{RootCAs: pki.pool, Timeout: 500 * time.Millisecond})
			f := r.Failure
			if f == nil || f.Layer != tc.layer || f.Kind != tc.kind || !strings.Contains(f.Detail, tc.words) {
				t.Fatalf("failure %+v, error %q; want layer %s, kind %s, with %q", f, r.Error, tc.layer, tc.kind, tc.words)
			}
			if r.Error == "" || strings.Contains(strings.ToLower(r.Error), "timeout") || strings.Contains(r.Error, "no reply within") {
				t.Errorf("error %q", r.Error)
			}
			if strings.ContainsAny(r.Error, "\x1b\x00") || r.HTTP != nil && strings.ContainsRune(r.HTTP.Location, 0x1b) {
				t.Errorf("an escape reached the reply: %q", r.Error)
			}
			if tc.layer == LayerTLS && tc.kind != FailHandshake && (r.TLS == nil || r.TLS.Subject == "" || r.TLS.Verified) {
				t.Errorf("the certificate that failed is not recorded: %+v", r.TLS)
			}
		})
	}
}

// --tls-insecure talks to anyone, and the reply says nothing was verified.
func TestTLSInsecure(t *testing.T) {
	t.Parallel()
	stranger := newPKI(t, "stranger")
	cert := stranger.leaf(t, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), "elsewhere.test")
	ap, _ := startDoT(t, &cert, reply(answerA))
	r := ask(t, ResolverSpec{Transport: TransportTLS, Addr: ap}, ResolverOptions{Insecure: true})
	if r.Error != "" || !r.Insecure || r.TLS == nil || r.TLS.Verified || r.TLS.Subject == "" {
		t.Fatalf("insecure DoT: %+v, TLS %+v", r, r.TLS)
	}
}

// One connection per resolver across --repeat, and a connection the
// server closed is replaced once.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	cert := pki.good(t, "127.0.0.1")
	dot, dotConns := startDoT(t, &cert, reply(answerA))
	url, ap, dohConns := startDoH(t, cert, dohHandler(&dohSeen{}, answerA))
	var first atomic.Bool
	closing, closingConns := startDoT(t, &cert, func(w dns.ResponseWriter, m *dns.Msg) {
		w.WriteMsg(answerA(m))
		if !first.Swap(true) {
			w.Close()
		}
	})
	for _, tc := range []struct {
		name  string
		spec  ResolverSpec
		conns *atomic.Int32
		want  int32
	}{
		{"DoT", ResolverSpec{Transport: TransportTLS, Addr: dot}, dotConns, 1},
		{"DoH", dohSpec(url, ap), dohConns, 1},
		{"DoT closed by the server", ResolverSpec{Transport: TransportTLS, Addr: closing}, closingConns, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewResolverClient(tc.spec, ResolverOptions{RootCAs: pki.pool, Timeout: 2 * time.Second})
			defer c.Close()
			for i := range 3 {
				r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA)
				if r.Error != "" {
					t.Fatalf("query %d: %s", i, r.Error)
				}
				if i > 0 && tc.want == 1 && (!r.Reused || r.ConnectMs != 0 || r.TLS == nil) {
					t.Errorf("query %d: reused %v, connect %.3f ms, TLS %+v", i, r.Reused, r.ConnectMs, r.TLS)
				}
				if i == 1 && tc.want == 2 && (len(r.Attempts) != 2 || r.Attempts[1].Retry != ChangeRetry || r.Reused) {
					t.Errorf("after the server closed: attempts %+v, reused %v", r.Attempts, r.Reused)
				}
			}
			if n := tc.conns.Load(); n != tc.want {
				t.Errorf("%d connections for 3 queries, want %d", n, tc.want)
			}
		})
	}
}

func TestParseResolverSpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, display string
		transport   Transport
		connect     string
		err         string
	}{
		{"@192.0.2.1", "192.0.2.1:53", TransportDNS, "192.0.2.1:53", ""},
		{"tls://192.0.2.1", "tls://192.0.2.1:853", TransportTLS, "192.0.2.1:853", ""},
		{"@tls://[2001:db8::1]:8853", "tls://[2001:db8::1]:8853", TransportTLS, "[2001:db8::1]:8853", ""},
		{"https://192.0.2.1/dns-query", "https://192.0.2.1/dns-query", TransportHTTPS, "192.0.2.1:443", ""},
		{"https://192.0.2.1:8443", "https://192.0.2.1:8443/dns-query", TransportHTTPS, "192.0.2.1:8443", ""},
		{"https://[2001:db8::1]/q?x=1#frag", "https://[2001:db8::1]/q?x=1", TransportHTTPS, "[2001:db8::1]:443", ""},
		{"HTTPS://192.0.2.1/dns-query", "https://192.0.2.1/dns-query", TransportHTTPS, "192.0.2.1:443", ""},
		{"tls://192.0.2.1/path", "", "", "", "nothing else"},
		{"tls://192.0.2.1:0", "", "", "", "bad port"},
		{"https://user@192.0.2.1/", "", "", "", "https://HOST[:PORT]/PATH"},
		{"quic://192.0.2.1", "", "", "", "not DNS over QUIC"},
		{"ftp://192.0.2.1", "", "", "", "unknown scheme ftp://"},
		{"tls://not a name!", "", "", "", "not an address or a host name"},
	} {
		s, err := ParseResolverSpec(context.Background(), tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case s.Display() != tc.display || s.Transport != tc.transport || s.Addr.String() != tc.connect:
			t.Errorf("%s: %s %s %s, want %s %s %s", tc.in, s.Display(), s.Transport, s.Addr, tc.display, tc.transport, tc.connect)
		}
	}
}

// FuzzParseResolverSpec: any argument is refused or read into a spec that
// reads back the same from its display form (host names "resolve" to a
// documentation address: nothing is looked up).
func FuzzParseResolverSpec(f *testing.F) {
	for _, s := range []string{"tls://192.0.2.1", "@tls://[2001:db8::1]:8853", "https://dns.test/dns-query", "https://192.0.2.1:8443",
		"https://dns.test/q?x=1#f", "tls://dns.test", "quic://x", "https://", "tls://:853", "https://[::1", "tls://a b"} {
		f.Add(s)
	}
	fake := func(context.Context, string, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("192.0.2.7")}, nil
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !strings.Contains(s, "://") {
			return // plain resolvers: ParseResolver, which looks names up
		}
		spec, err := parseResolverSpec(context.Background(), s, fake)
		if err != nil {
			return
		}
		if !spec.Addr.IsValid() || spec.Addr.Port() == 0 || (spec.Transport != TransportTLS && spec.Transport != TransportHTTPS) {
			t.Fatalf("%q: %+v", s, spec)
		}
		again, err := parseResolverSpec(context.Background(), spec.Display(), fake)
		if err != nil || again != spec {
			t.Fatalf("%q → %q → %+v, %v; want %+v", s, spec.Display(), again, err, spec)
		}
	})
}

// Texts a server controls (certificate names, HTTP status text, content
// type, redirect target) never reach a terminal raw.
func TestHostileTransportTexts(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	evil := pki.good(t, "127.0.0.1")
	// A certificate whose subject holds escape sequences.
	{
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "\x1b]0;owned\x07\x1b[2J", Organization: []string{"\u202eevil"}},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, pki.ca, &key.PublicKey, pki.key)
		if err != nil {
			t.Fatal(err)
		}
		evil = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	dot, _ := startDoT(t, &evil, reply(answerA))
	r := ask(t, ResolverSpec{Transport: TransportTLS, Addr: dot}, ResolverOptions{RootCAs: pki.pool})
	if r.Error != "" || r.TLS == nil || strings.ContainsAny(r.TLS.Subject, "\x1b\x07\u202e") || !strings.Contains(r.TLS.Subject, `\027`) {
		t.Errorf("subject %q (error %q)", r.TLS.Subject, r.Error)
	}

	// An HTTP/1.1 server with a hostile status line (Go refuses control
	// characters in header lines itself).
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pki.good(t, "127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.1 418 I am a \x1b[31mteapot\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	r = ask(t, dohSpec("https://"+ap.String()+"/dns-query", ap), ResolverOptions{RootCAs: pki.pool})
	if r.Failure == nil || r.Failure.Kind != FailHTTPStatus || strings.ContainsRune(r.Error, 0x1b) || r.HTTP == nil || strings.ContainsRune(r.HTTP.StatusText+r.HTTP.ContentType, 0x1b) || !strings.Contains(r.HTTP.StatusText, `\027[31mteapot`) {
		t.Errorf("failure %+v, HTTP %+v", r.Failure, r.HTTP)
	}
}

// Benchmarks on loopback: a query on a kept connection, and one with a new
// connection each time (TCP and TLS set-up included).
func BenchmarkEncryptedQuery(b *testing.B) {
	pki := newPKI(b, "ddx bench CA")
	cert := pki.good(b, "127.0.0.1")
	dot, _ := startDoT(b, &cert, reply(answerA))
	url, ap, _ := startDoH(b, cert, dohHandler(&dohSeen{}, answerA))
	for _, bc := range []struct {
		name string
		spec ResolverSpec
	}{
		{"DoT", ResolverSpec{Transport: TransportTLS, Addr: dot}},
		{"DoH", dohSpec(url, ap)},
	} {
		o := ResolverOptions{RootCAs: pki.pool, Timeout: 2 * time.Second}
		b.Run(bc.name+"/reused", func(b *testing.B) {
			c := NewResolverClient(bc.spec, o)
			defer c.Close()
			for b.Loop() {
				if r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA); r.Error != "" {
					b.Fatal(r.Error)
				}
			}
		})
		b.Run(bc.name+"/new-connection", func(b *testing.B) {
			for b.Loop() {
				c := NewResolverClient(bc.spec, o)
				if r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA); r.Error != "" {
					b.Fatal(r.Error)
				}
				c.Close()
			}
		})
	}
}

// A DoT reply to another question ends the connection: the next query
// gets a new one, not the stale stream.
func TestDoTWrongReplyDropsTheConnection(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	cert := pki.good(t, "127.0.0.1")
	var n atomic.Int32
	ap, conns := startDoT(t, &cert, func(w dns.ResponseWriter, m *dns.Msg) {
		r := answerA(m)
		if n.Add(1) == 1 {
			r.Id++
		}
		w.WriteMsg(r)
	})
	c := NewResolverClient(ResolverSpec{Transport: TransportTLS, Addr: ap}, ResolverOptions{RootCAs: pki.pool, Timeout: time.Second})
	defer c.Close()
	if r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA); r.Failure == nil || r.Failure.Kind != FailWrongReply {
		t.Fatalf("first: %+v", r.Failure)
	}
	if r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA); r.Error != "" || r.Reused {
		t.Fatalf("second: %q, reused %v", r.Error, r.Reused)
	}
	if conns.Load() != 2 {
		t.Errorf("%d connections, want 2", conns.Load())
	}
}
