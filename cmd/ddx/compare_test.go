package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
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
	want := "198.51.100.201:53 SERVFAIL, 198.51.100.202:53 NXDOMAIN, 198.51.100.203:53 REFUSED"
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
