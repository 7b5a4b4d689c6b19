package main

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

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

// The seed case: one resolver says NXDOMAIN, the other SERVFAIL, because a
// stale parent server still delegates the removed zone to dead servers.
func TestCompareExplainsServfailVersusNxdomain(t *testing.T) {
	t.Parallel()
	nx := fakeResolver{rcode: dns.RcodeNameError, ra: true}.start(t)
	sf := fakeResolver{rcode: dns.RcodeServerFailure, ra: true, ede: &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeNoReachableAuthority, ExtraText: "at delegation gone.lab."}}.start(t)
	code, doc, _ := compareJSON(t, "compare", "--demo", "--timeout", "100ms", "gone.lab", "NS", nx, sf)
	if code != exitFindings {
		t.Errorf("exit %d", code)
	}
	if len(doc.Resolvers) != 2 || doc.Resolvers[0].Rcode != "NXDOMAIN" || doc.Resolvers[1].Rcode != "SERVFAIL" || doc.Resolvers[0].RTTms == nil {
		t.Fatalf("resolvers %+v", doc.Resolvers)
	}
	if len(doc.Resolvers[1].EDE) != 1 || doc.Resolvers[1].EDE[0].Code != 22 {
		t.Errorf("EDE %+v", doc.Resolvers[1].EDE)
	}
	var split string
	for _, f := range doc.Findings {
		if f.ID == "resolver-outcome-split" {
			split = f.Explanation
		}
	}
	for _, w := range []string{"NXDOMAIN", "SERVFAIL", "ns3.nic.lab.", "parent", "No Reachable Authority"} {
		if !strings.Contains(split, w) {
			t.Errorf("resolver-outcome-split explanation lacks %q:\n%s", w, split)
		}
	}
	if !strings.Contains(findingIDs(doc), "parent-servers-disagree") {
		t.Errorf("the trace's findings are missing: %s", findingIDs(doc))
	}
}

func TestCompareStretchedTTL(t *testing.T) {
	t.Parallel()
	good := fakeResolver{ra: true, ttl: 3000}.start(t)
	stretch := fakeResolver{ra: true, ttl: 86400}.start(t)
	code, doc, _ := compareJSON(t, "compare", "--demo", "www.healthy.test", good, stretch)
	ids := findingIDs(doc)
	if !strings.Contains(ids, "ttl-not-honoured") || strings.Contains(ids, "resolver-outcome-split") {
		t.Fatalf("findings %s", ids)
	}
	for _, f := range doc.Findings {
		if f.ID == "ttl-not-honoured" && (len(f.Servers) != 1 || f.Servers[0] != strings.TrimPrefix(stretch, "@") || !strings.Contains(f.Explanation, "86400") || !strings.Contains(f.Explanation, "3600")) {
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
	good := fakeResolver{ra: true, ttl: 300}.start(t)
	code, out, _ := runDDX(t, "www.healthy.test", good)
	if code != exitOK || !strings.Contains(out, "ANSWER SECTION") || !strings.Contains(out, "192.0.2.80") {
		t.Errorf("dig-like output: exit %d\n%s", code, out)
	}
}

func TestCompareTextMarksDifferences(t *testing.T) {
	t.Parallel()
	a := fakeResolver{ra: true, ttl: 3600}.start(t)
	b := fakeResolver{rcode: dns.RcodeServerFailure, ra: true}.start(t)
	_, out, _ := runDDX(t, "compare", "--demo", "www.healthy.test", a, b, "--color", "never")
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
