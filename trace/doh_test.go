package trace

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// An HTTP/1.1-only DoH server is fine too, and its connection is kept.
func TestDoHOverHTTP1(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	ts := httptest.NewUnstartedServer(dohHandler(&dohSeen{}, answerA))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{pki.good(t, "127.0.0.1")}}
	var n atomic.Int32
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ap := netip.MustParseAddrPort(strings.TrimPrefix(ts.URL, "https://"))
	c := NewResolverClient(dohSpec(ts.URL+"/dns-query", ap), ResolverOptions{RootCAs: pki.pool, DoHGet: true})
	defer c.Close()
	for range 3 {
		r := c.Ask(context.Background(), "www.healthy.test.", dns.TypeA)
		if r.Error != "" || r.HTTP.Proto != "HTTP/1.1" || r.HTTP.Method != "GET" {
			t.Fatalf("%s %+v", r.Error, r.HTTP)
		}
	}
	if n.Load() != 1 {
		t.Errorf("%d connections for 3 queries", n.Load())
	}
}

// DoH asked of a DoT port: the TLS session is up, HTTP never answers, and
// that is what the failure says.
func TestDoHToADoTPort(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, "ddx test CA")
	cert := pki.good(t, "127.0.0.1")
	ap, _ := startDoT(t, &cert, reply(answerA))
	r := ask(t, dohSpec("https://"+ap.String()+"/dns-query", ap), ResolverOptions{RootCAs: pki.pool, Timeout: 300 * time.Millisecond})
	if f := r.Failure; f == nil || f.Layer != LayerHTTP || !strings.Contains(f.Detail, "the TLS session was set up") || r.TLS == nil || !r.TLS.Verified {
		t.Errorf("failure %+v, TLS %+v", f, r.TLS)
	}
}
