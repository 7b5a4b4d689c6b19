package trace_test

import (
	"testing"
	"testing/fstest"

	"github.com/ddxdns/ddx/trace"
	"github.com/ddxdns/ddx/trace/sim"
	"github.com/miekg/dns"
)

// probesOf returns the queries of one purpose the servers of a zone got.
func probesOf(t *testing.T, tr *trace.Trace, zone string, purpose trace.Purpose) []*trace.Query {
	t.Helper()
	var out []*trace.Query
	for _, s := range stepFor(t, tr, zone).Servers {
		for _, q := range s.Queries {
			if q.Purpose == purpose {
				out = append(out, q)
			}
		}
	}
	return out
}

func onlyProbe(t *testing.T, tr *trace.Trace, zone string, purpose trace.Purpose) *trace.Query {
	t.Helper()
	qs := probesOf(t, tr, zone, purpose)
	if len(qs) != 1 {
		t.Fatalf("%d %s probes of %s, want 1", len(qs), purpose, zone)
	}
	return qs[0]
}

// A conformant server: EDNS version 1 gets BADVERS with version 0 and no
// answer; an unknown option and an unknown flag are ignored (the SOA, AA,
// nothing echoed); the mixed-case name comes back byte for byte; every
// common type is answered once, with no repeat.
func TestConformanceProbesOnConformantServer(t *testing.T) {
	t.Parallel()
	u := small(t, "")
	cfg := cfgFor(u)
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)

	q := onlyProbe(t, tr, "example.", trace.PurposeEDNS1)
	if !q.OK() || q.Rcode != "BADVERS" || q.Reply.Rcode != dns.RcodeBadVers || len(q.Reply.Answer) != 0 {
		t.Fatalf("edns1: %s %v %v", q.Rcode, q.Error, q.Answer)
	}
	if opt := q.Reply.IsEdns0(); opt == nil || opt.Version() != 0 {
		t.Errorf("edns1: reply OPT %v, want version 0", opt)
	}
	for _, p := range []trace.Purpose{trace.PurposeEDNSOption, trace.PurposeEDNSFlags, trace.PurposeEDNSOptList} {
		q := onlyProbe(t, tr, "example.", p)
		if !q.OK() || q.Rcode != "NOERROR" || len(q.Answer) == 0 || q.Reply.IsEdns0() == nil || !q.Reply.Authoritative {
			t.Fatalf("%s: %s %v %v", p, q.Rcode, q.Error, q.Flags)
		}
		if opt := q.Reply.IsEdns0(); len(opt.Option) != 0 || opt.Z() != 0 {
			t.Errorf("%s: echoed %v, flags %#x", p, opt.Option, opt.Z())
		}
	}
	q = onlyProbe(t, tr, "example.", trace.PurposeCase)
	if q.Name != "eXaMpLe." || !q.OK() || q.Reply.Question[0].Name != q.Name {
		t.Errorf("case: asked %s, echoed %v", q.Name, q.Reply)
	}
	types := probesOf(t, tr, "example.", trace.PurposeType)
	if len(types) != len(trace.ConformanceTypes) {
		t.Errorf("%d type probes, want %d (no repeats)", len(types), len(trace.ConformanceTypes))
	}
	for _, q := range types {
		if trace.TypeFailed(q) {
			t.Errorf("type %s failed: %s %s", q.Type, q.Rcode, q.Error)
		}
	}
	// Only the checked zone is probed, and only by ddx check.
	if qs := probesOf(t, tr, ".", trace.PurposeEDNS1); len(qs) != 0 {
		t.Errorf("the root was probed: %d", len(qs))
	}
	plain := runTrace(t, cfgFor(small(t, "")), "example.", dns.TypeSOA)
	if qs := probesOf(t, plain, "example.", trace.PurposeEDNS1); len(qs) != 0 {
		t.Errorf("probed without Probes: %d", len(qs))
	}
}

// A type the server never answers is asked again over UDP and over TCP;
// a probe it never answers is sent twice the tries before it counts.
func TestConformanceProbesRepeatFailures(t *testing.T) {
	t.Parallel()
	u := small(t, "drop-aaaa,drop-option")
	cfg := cfgFor(u)
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	var aaaa []*trace.Query
	for _, q := range probesOf(t, tr, "example.", trace.PurposeType) {
		if q.Type == "AAAA" {
			aaaa = append(aaaa, q)
		} else if trace.TypeFailed(q) {
			t.Errorf("%s failed: %s", q.Type, q.Error)
		}
	}
	if len(aaaa) != 3 {
		t.Fatalf("%d AAAA type queries, want 3 (ask, UDP again, TCP)", len(aaaa))
	}
	transports := map[string]bool{}
	for _, q := range aaaa {
		if !trace.TypeFailed(q) {
			t.Errorf("AAAA over %s answered", q.Transport)
		}
		transports[q.Transport] = true
	}
	if !transports["tcp"] || !transports["udp"] {
		t.Errorf("AAAA asked over %v", transports)
	}
	q := onlyProbe(t, tr, "example.", trace.PurposeEDNSOption)
	if q.OK() || q.ErrorKind != trace.ErrKindTimeout || len(q.Attempts) != 2*2 {
		t.Errorf("edns-option: %v %s, %d attempts", q.OK(), q.ErrorKind, len(q.Attempts))
	}
	if q := onlyProbe(t, tr, "example.", trace.PurposeEDNS1); q.Rcode != "BADVERS" {
		t.Errorf("edns1 (no option): %s %s", q.Rcode, q.Error)
	}
}

func TestMixedCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"healthy.test.":        "hEaLtHy.TeSt.",
		"EXAMPLE.":             "eXaMpLe.",
		"1.2.0.192.in-addr.":   "1.2.0.192.iN-aDdR.",
		"123.":                 "123.",
		`a\.b.example.`:        `a\.B.eXaMpLe.`,
		"xn--bcher-kva.test.":  "xN--bChEr-KvA.tEsT.",
		".":                    ".",
		"0-9.example.":         "0-9.eXaMpLe.",
		"ab.cd.":               "aB.cD.",
		"a.":                   "a.",
		"ddx-wildcard.test.":   "dDx-WiLdCaRd.TeSt.",
		"aaaaaaaaaaaaaaaaaaa.": "aAaAaAaAaAaAaAaAaAa.",
	} {
		if got := trace.MixedCase(in); got != want {
			t.Errorf("MixedCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// A slow server is not a silent one: a probe's first try keeps listening
// while the next tries go out, as ask's do, so a reply later than one
// timeout counts (and is marked late).
func TestConformanceProbesWaitForLateReplies(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"u/servers.conf": {Data: []byte("server 192.0.2.1 a.root. zones=.\nserver 192.0.2.2 ns.example. zones=example. latency=80ms\n")},
		"u/zones/root.zone": {Data: []byte(`. 3600 SOA a.root. h.root. 1 7200 1800 1209600 300
. 3600 NS a.root.
a.root. 3600 A 192.0.2.1
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
`)},
		"u/zones/example.zone": {Data: []byte(`example. 3600 SOA ns.example. h.example. 1 7200 1800 1209600 300
example. 3600 NS ns.example.
ns.example. 3600 A 192.0.2.2
`)},
	}
	u, err := sim.Load(fsys, "u")
	if err != nil {
		t.Fatal(err)
	}
	u.Deadlines = true // a reply slower than the time left is lost, as on a socket
	cfg := cfgFor(u)   // 50 ms timeout: every reply of ns.example is late
	cfg.Probes = true
	tr := runTrace(t, cfg, "example.", dns.TypeSOA)
	for _, p := range []trace.Purpose{trace.PurposeEDNS1, trace.PurposeEDNSOption, trace.PurposeEDNSFlags, trace.PurposeEDNSOptList, trace.PurposeCase} {
		q := onlyProbe(t, tr, "example.", p)
		if !q.OK() || !q.Late {
			t.Errorf("%s: ok %v, late %v, %s, %d attempts", p, q.OK(), q.Late, q.Error, len(q.Attempts))
		}
	}
}
