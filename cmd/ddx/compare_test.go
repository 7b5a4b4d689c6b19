package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fakeResolver is a recursive resolver with canned behaviour, on loopback.
type fakeResolver struct {
	rcode int
	ra    bool
	ttl   uint32 // answer www.healthy.test A 192.0.2.80 with this TTL when > 0
	ede   *dns.EDNS0_EDE
}

func (f fakeResolver) start(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, m *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(m)
		r.RecursionAvailable = f.ra
		r.Rcode = f.rcode
		if f.ttl > 0 {
			rr, _ := dns.NewRR(m.Question[0].Name + " " + strconv.Itoa(int(f.ttl)) + " IN A 192.0.2.80")
			r.Answer = append(r.Answer, rr)
		}
		r.SetEdns0(1232, false)
		if f.ede != nil {
			opt := r.IsEdns0()
			opt.Option = append(opt.Option, f.ede)
		}
		w.WriteMsg(r)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return "@" + pc.LocalAddr().String()
}

func silentResolver(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	return "@" + pc.LocalAddr().String()
}

type compareDoc struct {
	Resolvers []struct {
		Address string
		Rcode   string
		Error   string
		RTTms   *float64 `json:"rtt_ms"`
		Answers []struct {
			Name, Type, Data string
			TTL              uint32 `json:"ttl"`
		}
		EDE []struct {
			Code uint16
			Text string
		}
	}
	Findings []struct {
		ID, Severity, Explanation string
		Servers                   []string
	}
}

func compareJSON(t *testing.T, args ...string) (int, compareDoc, string) {
	t.Helper()
	code, out, errs := runDDX(t, append(args, "-o", "json")...)
	var doc compareDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, out, errs)
	}
	return code, doc, errs
}

func findingIDs(doc compareDoc) string {
	var ids []string
	for _, f := range doc.Findings {
		ids = append(ids, f.ID)
	}
	return strings.Join(ids, " ")
}

// failExchanger fails the test on any packet: --demo must send none.
type failExchanger struct{ t *testing.T }

func (f failExchanger) Exchange(_ context.Context, m *dns.Msg, ap netip.AddrPort, _ string) (*dns.Msg, time.Duration, error) {
	f.t.Errorf("--demo sent %s to the network (%s)", m.Question[0].String(), ap)
	return nil, 0, errors.New("no network in this test")
}

// The seed case, offline: the demo resolvers say SERVFAIL, NXDOMAIN and
// REFUSED about gone.lab, and the trace explains why: a stale parent
// server still delegates the removed zone to dead servers. Nothing may
// reach the network (this test is not parallel: it replaces the network).
func TestDemoCompareExplainsTheSplitOffline(t *testing.T) {
	saved := resolverExchanger
	resolverExchanger = failExchanger{t}
	t.Cleanup(func() { resolverExchanger = saved })

	code, doc, _ := compareJSON(t, "compare", "--demo", "--timeout", "100ms", "gone.lab", "NS")
	if code != exitFindings {
		t.Errorf("exit %d, want %d", code, exitFindings)
	}
	var got []string
	for _, r := range doc.Resolvers {
		got = append(got, r.Address+" "+r.Rcode+r.Error)
	}
	want := "198.51.100.201:53 SERVFAIL, 198.51.100.202:53 NXDOMAIN, 198.51.100.203:53 REFUSED, 198.51.100.204:53 NXDOMAIN, 198.51.100.205:53 NXDOMAIN"
	if strings.Join(got, ", ") != want {
		t.Fatalf("resolvers: %s\nwant %s", strings.Join(got, ", "), want)
	}
	if e := doc.Resolvers[0].EDE; len(e) != 1 || e[0].Code != 22 || e[0].Text != "at delegation gone.lab." {
		t.Errorf("EDE of the stale resolver: %+v", e)
	}
	var split string
	for _, f := range doc.Findings {
		if f.ID == "resolver-outcome-split" {
			split = f.Explanation
		}
	}
	for _, w := range []string{"NXDOMAIN", "SERVFAIL", "ns3.nic.lab.", "parent", "No Reachable Authority", "198.51.100.201:53 got SERVFAIL, the answer of that path"} {
		if !strings.Contains(split, w) {
			t.Errorf("resolver-outcome-split explanation lacks %q:\n%s", w, split)
		}
	}
	for _, id := range []string{"resolver-outcome-split", "parent-servers-disagree", "resolver-no-recursion", "ttl-not-honoured"} {
		if !strings.Contains(findingIDs(doc), id) {
			t.Errorf("findings lack %s: %s", id, findingIDs(doc))
		}
	}
	// The sticky resolver caches the NXDOMAIN for a day; the zone says an hour.
	for _, f := range doc.Findings {
		if f.ID == "ttl-not-honoured" && !strings.Contains(f.Explanation, "negative answer (NXDOMAIN) cached for 86400 s (the authoritative negative TTL is 3600 s)") {
			t.Errorf("ttl-not-honoured: %s", f.Explanation)
		}
	}

	// The text view, and one demo resolver asked dig-like.
	code, out, _ := runDDX(t, "compare", "--demo", "--timeout", "100ms", "gone.lab", "NS", "--color", "never")
	if code != exitFindings || !strings.Contains(out, "≠ outcome") || !strings.Contains(out, "22 No Reachable Auth") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	code, out, _ = runDDX(t, "www.healthy.test", "@198.51.100.202", "--demo", "--nsid")
	if code != exitOK || !strings.Contains(out, "www.healthy.test.\t86400\tIN\tA\t192.0.2.80") || !strings.Contains(out, `NSID "sticky.resolver.test"`) {
		t.Errorf("ask a demo resolver: exit %d\n%s", code, out)
	}
}

// --demo refuses, in one line, whatever it would have to look up or send.
func TestDemoRefusesTheNetwork(t *testing.T) {
	saved := resolverExchanger
	resolverExchanger = failExchanger{t}
	t.Cleanup(func() { resolverExchanger = saved })

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"www.healthy.test", "@resolver.example", "--demo"}, "looks up no host names"},
		{[]string{"compare", "--demo", "www.healthy.test", "@192.0.2.199"}, "no such address in the demo universe"},
		{[]string{"compare", "--demo", "www.healthy.test", "@127.0.0.1:5353"}, "no such address in the demo universe"},
		{[]string{"www.healthy.test", "@198.51.100.201:5353", "--demo"}, "port 53 only"},
		{[]string{"compare", "--demo", "www.healthy.test", "--resolv-conf", "/etc/resolv.conf"}, "--resolv-conf"},
		{[]string{"compare", "--demo", "www.healthy.test", "--root", "192.0.2.1"}, "--root"},
		{[]string{"compare", "--demo", "www.healthy.test", "--root-hints", "named.root"}, "--root-hints"},
		{[]string{"compare", "--demo", "www.healthy.test", "--port", "5300"}, "--port"},
		{[]string{"compare", "--demo", "www.healthy.test", "@tls://198.51.100.201"}, "cannot simulate DNS over TLS or HTTPS"},
		{[]string{"www.healthy.test", "@https://198.51.100.202/dns-query", "--demo"}, "cannot simulate DNS over TLS or HTTPS"},
	} {
		code, out, errs := runDDX(t, tc.args...)
		if code != exitUsage || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want exit 2 and one line with %q)", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
}

// The demo's sticky resolver raises TTLs to a floor; the trace knows the
// real TTL, so compare says so, without calling it a disagreement.
func TestCompareStretchedTTL(t *testing.T) {
	t.Parallel()
	code, doc, _ := compareJSON(t, "compare", "--demo", "www.healthy.test", "@198.51.100.201", "@198.51.100.202")
	ids := findingIDs(doc)
	if !strings.Contains(ids, "ttl-not-honoured") || strings.Contains(ids, "resolver-outcome-split") {
		t.Fatalf("findings %s", ids)
	}
	for _, f := range doc.Findings {
		if f.ID == "ttl-not-honoured" && (len(f.Servers) != 1 || f.Servers[0] != "198.51.100.202:53" || !strings.Contains(f.Explanation, "86400") || !strings.Contains(f.Explanation, "3600")) {
			t.Errorf("ttl finding %+v", f)
		}
	}
	if doc.Resolvers[1].Answers[0].TTL != 86400 || code != exitOK {
		t.Errorf("exit %d, answers %+v", code, doc.Resolvers[1].Answers)
	}
}

func TestAskOneResolver(t *testing.T) {
	t.Parallel()
	noRA := fakeResolver{rcode: dns.RcodeRefused}.start(t)
	code, doc, _ := compareJSON(t, "www.healthy.test", noRA)
	if code != exitFindings || !strings.Contains(findingIDs(doc), "resolver-no-recursion") {
		t.Errorf("exit %d, findings %s", code, findingIDs(doc))
	}
	code, doc, _ = compareJSON(t, "www.healthy.test", silentResolver(t), "--resolver-timeout", "200ms")
	if code != exitUnresolved || doc.Resolvers[0].Error == "" {
		t.Errorf("silent resolver: exit %d, %+v", code, doc.Resolvers)
	}
	sf := fakeResolver{rcode: dns.RcodeServerFailure, ra: true, ede: &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeNoReachableAuthority, ExtraText: "at delegation gone.lab."}}.start(t)
	code, doc, _ = compareJSON(t, "gone.lab", sf)
	if code != exitOK || doc.Resolvers[0].Rcode != "SERVFAIL" || len(doc.Resolvers[0].EDE) != 1 || doc.Resolvers[0].EDE[0].Code != 22 {
		t.Errorf("EDE: exit %d, %+v", code, doc.Resolvers)
	}
	good := fakeResolver{ra: true, ttl: 300}.start(t)
	code, out, _ := runDDX(t, "www.healthy.test", good)
	if code != exitOK || !strings.Contains(out, "ANSWER SECTION") || !strings.Contains(out, "192.0.2.80") {
		t.Errorf("dig-like output: exit %d\n%s", code, out)
	}
}

func TestCompareTextMarksDifferences(t *testing.T) {
	t.Parallel()
	_, out, _ := runDDX(t, "compare", "--demo", "www.healthy.test", "--color", "never")
	if !strings.Contains(out, "≠ outcome") || !strings.Contains(out, "Authoritative (trace from the root): NOERROR") || !strings.Contains(out, "resolver-outcome-split") {
		t.Errorf("text comparison:\n%s", out)
	}
}

func TestCompareBadResolver(t *testing.T) {
	t.Parallel()
	code, _, errs := runDDX(t, "compare", "www.healthy.test", "@not a host!")
	if code != exitUsage || !strings.Contains(errs, "resolver") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// ddx demo lists the demo resolvers beside the names, and a flag's value
// (--color never) is not taken for a name to trace.
func TestDemoListsResolvers(t *testing.T) {
	t.Parallel()
	code, out, errs := runDDX(t, "demo", "--color", "never", "--timeout", "100ms")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, w := range []string{"ddx compare --demo NAME", "198.51.100.201   stale.resolver.test.", "asks only ns3.nic.lab. (198.51.100.33)", "cache-min-ttl", "does not recurse", "Trace of gone.lab. A"} {
		if !strings.Contains(out, w) {
			t.Errorf("ddx demo lacks %q:\n%s", w, out)
		}
	}
}

// A throwaway CA and the servers of encrypted DNS, on loopback only.

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM, for --tls-ca
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return &testCA{cert, key, file}
}

// issue makes a server certificate for one IP address, valid until notAfter.
func (ca *testCA) issue(t *testing.T, ip string, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "resolver.test"},
		NotBefore: notAfter.Add(-48 * time.Hour), NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP(ip)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// resolverAnswer is a resolver's answer: addr for any A query, or NXDOMAIN
// when addr is empty, with an Extended DNS Error when ede > 0.
func resolverAnswer(addr string, ede uint16) func(*dns.Msg) *dns.Msg {
	return func(m *dns.Msg) *dns.Msg {
		r := new(dns.Msg)
		r.SetReply(m)
		r.RecursionAvailable = true
		if addr == "" {
			r.Rcode = dns.RcodeNameError
		} else {
			rr, _ := dns.NewRR(m.Question[0].Name + " 300 IN A " + addr)
			r.Answer = append(r.Answer, rr)
		}
		r.SetEdns0(1232, false)
		if ede > 0 {
			opt := r.IsEdns0()
			opt.Option = append(opt.Option, &dns.EDNS0_EDE{InfoCode: ede, ExtraText: "listed\x1b[2J"})
		}
		return r
	}
}

type connCounter struct {
	net.Listener
	n *atomic.Int32
}

func (l connCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func startTestDoT(t *testing.T, cert tls.Certificate, answer func(*dns.Msg) *dns.Msg) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := new(atomic.Int32)
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, m *dns.Msg) { w.WriteMsg(answer(m)) })
	srv := &dns.Server{Listener: tls.NewListener(connCounter{ln, n}, &tls.Config{Certificates: []tls.Certificate{cert}}), Handler: mux}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return "@tls://" + ln.Addr().String(), n
}

// startTestDoH serves h over HTTP/2 and TLS; methods collects the
// methods of the DNS requests it answered.
func startTestDoH(t *testing.T, cert tls.Certificate, h http.HandlerFunc) (string, *atomic.Int32) {
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
	return "@" + ts.URL + "/dns-query", n
}

func dohAnswer(methods *sync.Map, answer func(*dns.Msg) *dns.Msg) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var wire []byte
		if r.Method == http.MethodGet {
			wire, _ = base64.RawURLEncoding.DecodeString(r.URL.Query().Get("dns"))
		} else {
			wire, _ = io.ReadAll(io.LimitReader(r.Body, 65535))
		}
		m := new(dns.Msg)
		if err := m.Unpack(wire); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if methods != nil {
			methods.Store(r.Method, true)
		}
		out, _ := answer(m).Pack()
		w.Header().Set("Content-Type", "application/dns-message")
		w.Write(out)
	}
}

// startTestRoot is a root server on loopback that serves the whole truth
// itself: the root zone with www.healthy.test and blocked.test in it, so
// that compare can trace from "the root" without the internet.
func startTestRoot(t *testing.T) []string {
	t.Helper()
	zone := map[string][]dns.RR{}
	for _, s := range []string{
		". 86400 IN SOA a.root.test. hostmaster.root.test. 1 1800 900 604800 3600",
		". 86400 IN NS a.root.test.",
		"a.root.test. 86400 IN A 127.0.0.1",
		"www.healthy.test. 3600 IN A 192.0.2.80",
		"blocked.test. 3600 IN A 192.0.2.81",
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		zone[rr.Header().Name] = append(zone[rr.Header().Name], rr)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, m *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(m)
		r.Authoritative = true
		q := m.Question[0]
		rrs, exists := zone[strings.ToLower(q.Name)]
		for _, rr := range rrs {
			if rr.Header().Rrtype == q.Qtype {
				r.Answer = append(r.Answer, rr)
			}
		}
		if len(r.Answer) == 0 {
			r.Ns = append(r.Ns, zone["."][0])
			if !exists {
				r.Rcode = dns.RcodeNameError
			}
		}
		if m.IsEdns0() != nil {
			r.SetEdns0(1232, false)
		}
		w.WriteMsg(r)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: mux}, {Listener: ln, Handler: mux}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return []string{"--root", "127.0.0.1", "--port", strconv.Itoa(port), "-4", "--timeout", "500ms"}
}

type transportDoc struct {
	Resolvers []struct {
		Address   string
		Connect   string
		Transport string
		Rcode     string
		Error     string
		Reused    bool
		ConnectMs float64 `json:"connect_ms"`
		Insecure  bool    `json:"tls_insecure"`
		TLS       *struct {
			Version, Subject string
			NotAfter         time.Time `json:"not_after"`
			Verified         bool
		}
		HTTP *struct {
			Method string
			Status int
			Proto  string
		}
		Failure *struct{ Layer, Kind, Detail string } `json:"transport_failure"`
		Answers []struct{ Data string }
	}
	Rounds   [][]json.RawMessage
	Findings []struct {
		ID, Summary, Explanation string
		Servers                  []string
	}
}

func transportJSON(t *testing.T, args ...string) (int, transportDoc, string) {
	t.Helper()
	code, out, errs := runDDX(t, append(args, "-o", "json")...)
	var doc transportDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\nstdout: %s\nstderr: %s", err, out, errs)
	}
	return code, doc, errs
}

// Plain DNS, DNS over TLS and DNS over HTTPS to resolvers that give the
// authoritative answer agree, with no finding; each transport's details
// are in the JSON and in the text.
func TestCompareOverTLSAndHTTPS(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "ddx lab CA")
	cert := ca.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour))
	root := startTestRoot(t)
	plain := fakeResolver{ra: true, ttl: 300}.start(t)
	dot, _ := startTestDoT(t, cert, resolverAnswer("192.0.2.80", 0))
	doh, _ := startTestDoH(t, cert, dohAnswer(nil, resolverAnswer("192.0.2.80", 0)))

	args := append([]string{"compare", "www.healthy.test", plain, dot, doh, "--tls-ca", ca.file}, root...)
	code, doc, errs := transportJSON(t, args...)
	if code != exitOK || len(doc.Findings) != 0 {
		t.Fatalf("exit %d, findings %+v, stderr %s", code, doc.Findings, errs)
	}
	var got []string
	for _, r := range doc.Resolvers {
		got = append(got, r.Transport+" "+r.Rcode)
		if r.Transport == "udp" {
			continue
		}
		if r.TLS == nil || !r.TLS.Verified || r.TLS.Version != "TLS 1.3" || r.TLS.Subject != "CN=resolver.test" || r.TLS.NotAfter.IsZero() || r.ConnectMs <= 0 || r.Connect == "" {
			t.Errorf("%s: TLS %+v, connect %q in %.3f ms", r.Address, r.TLS, r.Connect, r.ConnectMs)
		}
	}
	if strings.Join(got, ", ") != "udp NOERROR, tls NOERROR, https NOERROR" {
		t.Errorf("resolvers: %s", strings.Join(got, ", "))
	}
	if h := doc.Resolvers[2].HTTP; h == nil || h.Method != "POST" || h.Status != 200 || h.Proto != "HTTP/2.0" {
		t.Errorf("DoH: %+v", h)
	}

	code, out, _ := runDDX(t, append(args, "--color", "never")...)
	for _, w := range []string{"tls://127.0.0.1:", "https://127.0.0.1:", "TLS 1.3 verified", "CN=resolver.test", "POST HTTP/2.0 200", "certificate expires", "✓ the resolvers agree"} {
		if !strings.Contains(out, w) {
			t.Errorf("text lacks %q:\n%s", w, out)
		}
	}
	if code != exitOK {
		t.Errorf("text: exit %d", code)
	}

	// One resolver, dig-like, over DoH with GET.
	code, out, _ = runDDX(t, "www.healthy.test", doh, "--tls-ca", ca.file, "--doh-get")
	for _, w := range []string{";; TLS: TLS 1.3, verified for 127.0.0.1; certificate CN=resolver.test", ";; HTTP: GET HTTP/2.0 200", "over https", "192.0.2.80"} {
		if !strings.Contains(out, w) {
			t.Errorf("dig-like DoH lacks %q:\n%s", w, out)
		}
	}
	if code != exitOK {
		t.Errorf("dig-like DoH: exit %d", code)
	}

	// dig's +tls and +https turn @ADDR:PORT into the same resolvers.
	plainForm := func(r string) string {
		r = strings.TrimPrefix(strings.TrimPrefix(r, "@tls://"), "@https://")
		return "@" + strings.TrimSuffix(r, "/dns-query")
	}
	_, doc, _ = transportJSON(t, "www.healthy.test", plainForm(dot), "+tls", "--tls-ca", ca.file)
	if r := doc.Resolvers[0]; r.Transport != "tls" || r.Rcode != "NOERROR" || r.Address != strings.TrimPrefix(dot, "@") {
		t.Errorf("+tls: %+v", r)
	}
	_, doc, _ = transportJSON(t, "www.healthy.test", plainForm(doh), "+https", "--tls-ca", ca.file)
	if r := doc.Resolvers[0]; r.Transport != "https" || r.Rcode != "NOERROR" || r.Address != strings.TrimPrefix(doh, "@") {
		t.Errorf("+https: %+v", r)
	}
}

// A filtering DoH resolver (0.0.0.0 with EDE 15) against a clean DoT one
// and the authoritative truth is explained as filtering.
func TestCompareFilteringResolver(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "ddx lab CA")
	cert := ca.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour))
	root := startTestRoot(t)
	clean, _ := startTestDoT(t, cert, resolverAnswer("192.0.2.81", 0))
	filter, _ := startTestDoH(t, cert, dohAnswer(nil, resolverAnswer("0.0.0.0", dns.ExtendedErrorCodeBlocked)))
	code, doc, _ := transportJSON(t, append([]string{"compare", "blocked.test", clean, filter, "--tls-ca", ca.file}, root...)...)
	if code != exitFindings {
		t.Errorf("exit %d, want %d", code, exitFindings)
	}
	var na, split string
	for _, f := range doc.Findings {
		switch f.ID {
		case "resolver-answer-not-authoritative":
			na = f.Summary + " " + f.Explanation
			if len(f.Servers) != 1 || !strings.HasPrefix(f.Servers[0], "https://127.0.0.1:") {
				t.Errorf("servers %v", f.Servers)
			}
		case "resolver-outcome-split":
			split = f.Explanation
		}
	}
	for _, w := range []string{"sinkhole address (0.0.0.0)", "Extended DNS Error 15 (Blocked): listed\\027[2J", "192.0.2.81"} {
		if !strings.Contains(na, w) {
			t.Errorf("resolver-answer-not-authoritative lacks %q: %s", w, na)
		}
	}
	if !strings.Contains(split, "it answers a sinkhole address (0.0.0.0) (see resolver-answer-not-authoritative)") || !strings.Contains(split, "agree") {
		t.Errorf("resolver-outcome-split does not name the filter: %s", split)
	}
	_, out, _ := runDDX(t, append([]string{"compare", "blocked.test", clean, filter, "--tls-ca", ca.file, "--color", "never"}, root...)...)
	if strings.ContainsRune(out, 0x1b) || !strings.Contains(out, "resolver-answer-not-authoritative") {
		t.Errorf("text:\n%q", out)
	}
}

// Every broken endpoint is named by its layer, as a finding of its own;
// exit 1 when another resolver answered, 3 when none did.
func TestCompareBrokenTransports(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "ddx lab CA")
	stranger := newTestCA(t, "stranger CA")
	good := ca.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour))
	root := startTestRoot(t)
	plain := fakeResolver{ra: true, ttl: 300}.start(t)
	answer := resolverAnswer("192.0.2.80", 0)
	dotWith := func(c tls.Certificate) string { s, _ := startTestDoT(t, c, answer); return s }
	dohWith := func(h http.HandlerFunc) string { s, _ := startTestDoH(t, good, h); return s }
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()

	for _, tc := range []struct {
		name, resolver, words string
	}{
		{"refused", "@tls://" + closed, "The TCP connection failed: connection refused"},
		{"expired", dotWith(ca.issue(t, "127.0.0.1", time.Now().Add(-time.Hour))), "The TLS layer failed: TLS certificate expired on"},
		{"wrong IP", dotWith(ca.issue(t, "127.0.0.2", time.Now().Add(24*time.Hour))), "The TLS layer failed: TLS certificate name mismatch: the certificate is for 127.0.0.2, not 127.0.0.1"},
		{"unknown CA", dotWith(stranger.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour))), "unknown authority (issuer CN=stranger CA)"},
		{"404", dohWith(func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) }), "The HTTP exchange failed: HTTP status 404 Not Found"},
		{"a web page", dohWith(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>captive portal</html>"))
		}), "the reply is text/html, not application/dns-message"},
		{"not DNS", dohWith(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/dns-message")
			w.Write([]byte("\x00\x01garbage"))
		}), "The DNS exchange failed: the reply is labelled application/dns-message but is not a DNS message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, doc, _ := transportJSON(t, append([]string{"compare", "www.healthy.test", plain, tc.resolver, "--tls-ca", ca.file, "--resolver-timeout", "1s"}, root...)...)
			if code != exitFindings {
				t.Errorf("exit %d, want %d", code, exitFindings)
			}
			var ids []string
			for _, f := range doc.Findings {
				ids = append(ids, f.ID)
				if f.ID == "resolver-transport-failure" && !strings.Contains(f.Explanation, tc.words) {
					t.Errorf("explanation lacks %q:\n%s", tc.words, f.Explanation)
				}
				if strings.Contains(strings.ToLower(f.Explanation), "timeout") || strings.Contains(f.Explanation, "no reply within") {
					t.Errorf("%s speaks of a timeout: %s", f.ID, f.Explanation)
				}
			}
			if strings.Join(ids, " ") != "resolver-transport-failure" {
				t.Errorf("findings %v, want only resolver-transport-failure", ids)
			}
			// Alone, dig-like: no resolver answered.
			code, out, _ := runDDX(t, "www.healthy.test", tc.resolver, "--tls-ca", ca.file, "--resolver-timeout", "1s", "--color", "never")
			if code != exitUnresolved || !strings.Contains(out, ";; no answer, at the ") || !strings.Contains(out, "resolver-transport-failure") {
				t.Errorf("alone: exit %d\n%s", code, out)
			}
		})
	}
}

// --tls-insecure talks to a server nobody vouches for, and every line
// about it says so.
func TestTLSInsecureIsMarked(t *testing.T) {
	t.Parallel()
	stranger := newTestCA(t, "stranger CA")
	root := startTestRoot(t)
	dot, _ := startTestDoT(t, stranger.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour)), resolverAnswer("0.0.0.0", dns.ExtendedErrorCodeFiltered))
	plain := fakeResolver{ra: true, ttl: 300}.start(t)

	code, out, _ := runDDX(t, "www.healthy.test", dot, "--tls-insecure", "--color", "never")
	if code != exitFindings || !strings.Contains(out, ";; TLS NOT VERIFIED (--tls-insecure)") || !strings.Contains(out, "NOT VERIFIED (--tls-insecure); certificate CN=resolver.test") ||
		!strings.Contains(out, "over tls (TLS NOT VERIFIED)") || !strings.Contains(out, "[TLS NOT VERIFIED]") {
		t.Errorf("dig-like: exit %d\n%s", code, out)
	}
	_, out, _ = runDDX(t, append([]string{"compare", "www.healthy.test", plain, dot, "--tls-insecure", "--color", "never"}, root...)...)
	if !strings.Contains(out, "⚠ TLS NOT VERIFIED (--tls-insecure): the certificates of tls://127.0.0.1:") || !strings.Contains(out, "NOERROR (unverified)") {
		t.Errorf("compare text:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "resolver-") && strings.Contains(line, "tls://") && !strings.Contains(line, "[TLS NOT VERIFIED]") {
			t.Errorf("a finding about the unverified resolver does not say so: %s", line)
		}
	}
	_, doc, _ := transportJSON(t, "www.healthy.test", dot, "--tls-insecure")
	if r := doc.Resolvers[0]; !r.Insecure || r.TLS == nil || r.TLS.Verified {
		t.Errorf("JSON: %+v", r)
	}
}

// --repeat asks each encrypted resolver over one connection; --doh-get
// sends GET, the default POST.
func TestRepeatReusesConnections(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "ddx lab CA")
	cert := ca.issue(t, "127.0.0.1", time.Now().Add(24*time.Hour))
	root := startTestRoot(t)
	answer := resolverAnswer("192.0.2.80", 0)
	dot, dotConns := startTestDoT(t, cert, answer)
	var post, get sync.Map
	dohPost, postConns := startTestDoH(t, cert, dohAnswer(&post, answer))
	dohGet, getConns := startTestDoH(t, cert, dohAnswer(&get, answer))

	code, doc, _ := transportJSON(t, append([]string{"compare", "www.healthy.test", dot, dohPost, "--repeat", "3", "--interval", "10ms", "--tls-ca", ca.file}, root...)...)
	if code != exitOK || len(doc.Rounds) != 3 {
		t.Errorf("exit %d, %d rounds", code, len(doc.Rounds))
	}
	if d, p := dotConns.Load(), postConns.Load(); d != 1 || p != 1 {
		t.Errorf("3 rounds took %d DoT and %d DoH connections, want 1 each", d, p)
	}
	if r := doc.Resolvers[0]; !r.Reused || r.ConnectMs != 0 {
		t.Errorf("the last round's DoT: reused %v, connect %.3f ms", r.Reused, r.ConnectMs)
	}
	code, _, _ = transportJSON(t, "www.healthy.test", dohGet, "--doh-get", "--tls-ca", ca.file)
	if _, ok := get.Load("GET"); !ok || code != exitOK || getConns.Load() != 1 {
		t.Errorf("--doh-get: exit %d, methods seen: GET %v", code, ok)
	}
	if _, ok := post.Load("GET"); ok {
		t.Errorf("POST is the default, but the server saw a GET")
	}
	if _, ok := post.Load("POST"); !ok {
		t.Errorf("the DoH server saw no POST")
	}
}

func TestTLSFlagsUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"www.healthy.test", "@tls://127.0.0.1", "--tls-ca", "/nonexistent/ca.pem"}, "--tls-ca"},
		{[]string{"www.healthy.test", "@quic://127.0.0.1"}, "not DNS over QUIC"},
		{[]string{"compare", "www.healthy.test", "@https://user@127.0.0.1/"}, "https://HOST[:PORT]/PATH"},
		{[]string{"www.healthy.test", "@127.0.0.1", "+https=dns-query"}, "starts with /"},
		{[]string{"www.healthy.test", "@127.0.0.1", "+tls", "+https"}, "exclude each other"},
		{[]string{"www.healthy.test", "@127.0.0.1", "+quic"}, "+tls and +https[=PATH]"},
	} {
		code, _, errs := runDDX(t, tc.args...)
		if code != exitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errs)
		}
	}
}
