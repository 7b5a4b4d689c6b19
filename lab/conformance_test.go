package lab

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// TestLabConformance checks zones served by real BIND 9.18 (healthy.test)
// and NSD 4.6 (provider.test) with ddx check's conformance probes: both
// are EDNS-compliant and preserve case, so every probe must get the
// compliant reply (the demo universe's servers without faults model
// them), and none of the conformance findings may appear.
func TestLabConformance(t *testing.T) {
	needLab(t)
	for _, zone := range []string{"healthy.test", "provider.test"} {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", zone)
			for _, id := range ids(doc) {
				for _, bad := range []string{"edns-noncompliance@", "query-type-failure@", "case-not-preserved@"} {
					if strings.HasPrefix(id, bad) {
						t.Errorf("%s on real servers", id)
					}
				}
			}
			seen := map[string]int{}
			for _, q := range probeQueries(t, doc, zone+".") {
				p, m := q.purpose, q.reply
				seen[p]++
				if m == nil {
					t.Errorf("%s %s: no reply (%s)", q.server, p, q.err)
					continue
				}
				opt := m.IsEdns0()
				switch p {
				case "edns1":
					if m.Rcode != dns.RcodeBadVers || opt == nil || opt.Version() != 0 || len(m.Answer) != 0 {
						t.Errorf("%s edns1: rcode %d, OPT %v, %d answers; want BADVERS, version 0, none", q.server, m.Rcode, opt, len(m.Answer))
					}
				case "edns-option", "edns-flags":
					if m.Rcode != dns.RcodeSuccess || !m.Authoritative || opt == nil || opt.Version() != 0 || len(opt.Option) != 0 || opt.Z() != 0 || len(m.Answer) == 0 {
						t.Errorf("%s %s: rcode %d, aa %v, OPT %v; want the plain answer, nothing echoed", q.server, p, m.Rcode, m.Authoritative, opt)
					}
				case "edns-optlist":
					// BIND answers with its server cookie: options of
					// its own are allowed, or BADCOOKIE with the cookie.
					ok := m.Rcode == dns.RcodeSuccess && m.Authoritative && len(m.Answer) > 0 || m.Rcode == dns.RcodeBadCookie
					if !ok || opt == nil || opt.Version() != 0 || opt.Z() != 0 {
						t.Errorf("%s edns-optlist: rcode %d, aa %v, OPT %v; want the plain answer or BADCOOKIE", q.server, m.Rcode, m.Authoritative, opt)
					}
				case "case":
					if len(m.Question) != 1 || m.Question[0].Name != q.name {
						t.Errorf("%s case: asked %s, echoed %v", q.server, q.name, m.Question)
					}
				case "type":
					if m.Rcode != dns.RcodeSuccess {
						t.Errorf("%s type %s: %s", q.server, q.qtype, dns.RcodeToString[m.Rcode])
					}
				}
			}
			for _, p := range []string{"edns1", "edns-option", "edns-flags", "edns-optlist", "case", "type"} {
				if seen[p] == 0 {
					t.Errorf("no %s probe of %s", p, zone)
				}
			}
		})
	}
}

type probeQuery struct {
	server, purpose, name, qtype, err string
	reply                             *dns.Msg
}

// probeQueries returns the conformance probes of a zone's servers in a
// check's JSON, with their replies unpacked from the wire format.
func probeQueries(t *testing.T, doc map[string]any, zone string) []probeQuery {
	t.Helper()
	var out []probeQuery
	steps, _ := doc["steps"].([]any)
	for _, st := range steps {
		stm := st.(map[string]any)
		if stm["zone"] != zone {
			continue
		}
		servers, _ := stm["servers"].([]any)
		for _, s := range servers {
			sm := s.(map[string]any)
			qs, _ := sm["queries"].([]any)
			for _, q := range qs {
				qm := q.(map[string]any)
				p := fmt.Sprint(qm["purpose"])
				switch p {
				case "edns1", "edns-option", "edns-flags", "edns-optlist", "case", "type":
				default:
					continue
				}
				pq := probeQuery{server: fmt.Sprint(sm["address"]), purpose: p, name: fmt.Sprint(qm["name"]), qtype: fmt.Sprint(qm["type"])}
				if e, ok := qm["error"]; ok {
					pq.err = fmt.Sprint(e)
				}
				if w, ok := qm["reply_wire"].(string); ok {
					b, err := base64.StdEncoding.DecodeString(w)
					if err != nil {
						t.Fatal(err)
					}
					pq.reply = new(dns.Msg)
					if err := pq.reply.Unpack(b); err != nil {
						t.Fatal(err)
					}
				}
				out = append(out, pq)
			}
		}
	}
	return out
}

// TestLabFaultZones: the lab zones of issue #14 on real BIND, with the
// fault proxy in front of the faulty servers (the same servers.conf
// faults as the demo's): `ddx check` reports exactly the expected
// findings at warning and above, the lower ones each zone is there to
// show, and explanations that say what the proxy did.
func TestLabFaultZones(t *testing.T) {
	needLab(t)
	cases := []struct {
		zone   string
		severe string   // exactly these at warning and above
		also   string   // and these, at any severity
		say    []string // in the explanations, ID: words
	}{
		// fault=noaa: an answer from the zone without AA is lame.
		{"noaa.test", "lame-delegation@noaa.test.", "", nil},
		// fault=udp-drop: dead over UDP, answering over TCP.
		{"udponly.test", "server-timeout@udponly.test.", "", []string{"server-timeout: Over TCP it answered (NOERROR)"}},
		// fault=drop-edns (its TCP probe carries EDNS too) and drop-option.
		{"noedns.test", "edns-noncompliance@noedns.test. edns-noncompliance@noedns.test. tcp-failure@noedns.test.", "",
			[]string{"edns-noncompliance: with EDNS it stayed silent; without EDNS it answered", "edns-noncompliance: The ednsopt (Zonemaster NAMESERVER11) test failed", "edns-noncompliance: The optlist test failed"}},
		// FORMERR without an OPT record to EDNS: what RFC 6891 §7 asks.
		{"edns.test", "", "edns-noncompliance@edns.test.", nil},
		// fault=no-badvers,echo-option and echo-flags.
		{"ednscomp.test", "edns-noncompliance@ednscomp.test. edns-noncompliance@ednscomp.test.", "",
			[]string{"edns-noncompliance: The edns1 (Zonemaster NAMESERVER10) test failed", "edns-noncompliance: echoed option 100 back", "edns-noncompliance: echoed the flag back"}},
		// fault=drop-aaaa.
		{"types.test", "query-type-failure@types.test.", "", []string{"query-type-failure: fails AAAA queries"}},
		// fault=servfail-mx,formerr-txt and refuse-txt: no server-failure,
		// no EDNS problem.
		{"typefail.test", "query-type-failure@typefail.test. query-type-failure@typefail.test.", "",
			[]string{"query-type-failure: fails MX and TXT queries", "query-type-failure: SERVFAIL over UDP", "query-type-failure: FORMERR over TCP", "query-type-failure: REFUSED over UDP"}},
		// fault=case-lower.
		{"case.test", "case-not-preserved@case.test.", "", nil},
		{"badhost.test", "hostname-syntax@badhost.test.", "", []string{`hostname-syntax: "mail_1"`}},
		{"soadiff.test", "", "soa-fields-mismatch@soadiff.test.", []string{"soa-fields-mismatch: RNAME dns.soadiff.test."}},
		{"nullmx.test", "mx-invalid@nullmx.test.", "", []string{"mx-invalid: a null MX"}},
		// ns2's glue is 10.53.0.1, on lo with nothing listening: private
		// (the lab's 127/8 is the roots' kind, so it is not reported).
		{"private.test", "ns-address-special@private.test. server-unreachable@private.test.", "", []string{"ns-address-special: 10.53.0.1 (private)"}},
	}
	for _, c := range cases {
		c := c
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "check", c.zone)
			got := severe(doc)
			if want := strings.Fields(c.severe); !sameSet(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
			for _, w := range strings.Fields(c.also) {
				if !has(ids(doc), w) {
					t.Errorf("missing %s; got %v", w, ids(doc))
				}
			}
			for _, s := range c.say {
				id, words, _ := strings.Cut(s, ": ")
				var all []string
				for _, f := range findingsWith(doc, id) {
					all = append(all, fmt.Sprint(f["summary"], " ", f["explanation"]))
				}
				if !strings.Contains(strings.Join(all, "\n"), words) {
					t.Errorf("no %s says %q: %q", id, words, all)
				}
			}
			if c.zone == "private.test" {
				noPacketLeft(t, doc)
			}
		})
	}
}

// noPacketLeft: every address a check asked is on this machine (127/8,
// or an address the lab put on lo), so no packet left it.
func noPacketLeft(t *testing.T, doc map[string]any) {
	t.Helper()
	asked := map[string]bool{}
	steps, _ := doc["steps"].([]any)
	for _, st := range steps {
		srvs, _ := st.(map[string]any)["servers"].([]any)
		for _, s := range srvs {
			asked[fmt.Sprint(s.(map[string]any)["address"])] = true
		}
	}
	if !asked["10.53.0.1"] {
		t.Errorf("ddx did not ask 10.53.0.1 (asked %v): the private address was not in the lab's data", asked)
	}
	for a := range asked {
		if strings.HasPrefix(a, "127.") {
			continue
		}
		out, err := exec.Command("ip", "-o", "route", "get", a).Output()
		if err != nil || !strings.HasPrefix(string(out), "local "+a+" dev lo") {
			t.Errorf("ddx asked %s, which is not on lo: %s %v", a, out, err)
		}
	}
}

// TestLabProxyFaults: the premise of TestLabFaultZones, asked as dig
// would: the proxy applies each servers.conf fault to real BIND's
// replies, and passes a healthy server's replies through unchanged.
func TestLabProxyFaults(t *testing.T) {
	needLab(t)
	type want struct {
		rcode  int  // -1: silence
		aa     bool // for NOERROR
		lower  bool // the question echoed in lower case
		echoed bool // option 100 or flag 0x0080 in the reply's OPT
	}
	cases := []struct {
		server, name string
		qtype        uint16
		tcp          bool
		version      uint8
		option       bool
		flags        uint16
		want         want
	}{
		{"ns2.noaa.test.", "noaa.test.", dns.TypeSOA, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
		{"ns1.noaa.test.", "noaa.test.", dns.TypeSOA, false, 0, false, 0, want{rcode: dns.RcodeSuccess}},
		{"ns1.udponly.test.", "udponly.test.", dns.TypeSOA, false, 0, false, 0, want{rcode: -1}},
		{"ns1.udponly.test.", "udponly.test.", dns.TypeSOA, true, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
		{"ns1.typefail.test.", "typefail.test.", dns.TypeMX, false, 0, false, 0, want{rcode: dns.RcodeServerFailure}},
		{"ns1.typefail.test.", "typefail.test.", dns.TypeTXT, true, 0, false, 0, want{rcode: dns.RcodeFormatError}},
		{"ns2.typefail.test.", "typefail.test.", dns.TypeTXT, false, 0, false, 0, want{rcode: dns.RcodeRefused}},
		{"ns2.typefail.test.", "typefail.test.", dns.TypeMX, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
		{"ns1.types.test.", "types.test.", dns.TypeAAAA, true, 0, false, 0, want{rcode: -1}},
		{"ns1.types.test.", "types.test.", dns.TypeA, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
		{"ns1.noedns.test.", "noedns.test.", dns.TypeSOA, false, 0, false, 0, want{rcode: -1}},
		{"ns2.noedns.test.", "noedns.test.", dns.TypeSOA, false, 0, true, 0, want{rcode: -1}},
		{"ns2.noedns.test.", "noedns.test.", dns.TypeSOA, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
		{"ns1.ednscomp.test.", "ednscomp.test.", dns.TypeSOA, false, 1, true, 0, want{rcode: dns.RcodeSuccess, aa: true, echoed: true}},
		{"ns2.ednscomp.test.", "ednscomp.test.", dns.TypeSOA, false, 1, false, 0, want{rcode: dns.RcodeBadVers}},
		{"ns2.ednscomp.test.", "ednscomp.test.", dns.TypeSOA, false, 0, false, trace.UnknownEDNSFlag, want{rcode: dns.RcodeSuccess, aa: true, echoed: true}},
		{"ns1.case.test.", "cAsE.TeSt.", dns.TypeSOA, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true, lower: true}},
		{"ns2.case.test.", "cAsE.TeSt.", dns.TypeSOA, false, 0, false, 0, want{rcode: dns.RcodeSuccess, aa: true}},
	}
	for _, c := range cases {
		s := server(t, c.server)
		m := new(dns.Msg)
		m.SetQuestion(c.name, c.qtype)
		m.RecursionDesired = false
		noEDNS := c.server == "ns1.noedns.test." && !c.option
		m.SetEdns0(1232, false)
		opt := m.IsEdns0()
		opt.SetVersion(c.version)
		opt.SetZ(c.flags)
		if c.option {
			opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: trace.UnknownEDNSOption})
		}
		cl := &dns.Client{Timeout: 2 * time.Second}
		if c.tcp {
			cl.Net = "tcp"
		}
		label := fmt.Sprintf("%s %s %s tcp=%v v%d opt=%v flags=%#x", c.server, c.name, dns.TypeToString[c.qtype], c.tcp, c.version, c.option, c.flags)
		r, _, err := cl.Exchange(m, netip.AddrPortFrom(s.Public, 53).String())
		if c.want.rcode == -1 {
			if err == nil {
				t.Errorf("%s: answered %s, want silence", label, dns.RcodeToString[r.Rcode])
			}
			if noEDNS {
				// The same server answers without EDNS: silence is the fault.
				m.Extra = nil
				if _, _, err := cl.Exchange(m, netip.AddrPortFrom(s.Public, 53).String()); err != nil {
					t.Errorf("%s without EDNS: %v", label, err)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", label, err)
			continue
		}
		ropt := r.IsEdns0()
		echoed := ropt != nil && (len(ropt.Option) > 0 || ropt.Z() != 0)
		lower := len(r.Question) == 1 && r.Question[0].Name == strings.ToLower(c.name) && c.name != strings.ToLower(c.name)
		if r.Rcode != c.want.rcode || (r.Rcode == dns.RcodeSuccess && r.Authoritative != c.want.aa) || echoed != c.want.echoed || lower != c.want.lower {
			t.Errorf("%s: rcode %d aa %v echoed %v lower %v, want %+v\n%v", label, r.Rcode, r.Authoritative, echoed, lower, c.want, r)
		}
	}
}

// faultZones are the lab zones of TestLabFaultZones that
// TestZonemasterFindingsAreFound runs Zonemaster on too.
var faultZones = []string{"noaa.test", "udponly.test", "noedns.test", "ednscomp.test", "types.test", "typefail.test",
	"case.test", "badhost.test", "soadiff.test", "nullmx.test", "private.test"}

// zonemasterFaultTags map the Zonemaster tags seen on faultZones (at
// WARNING and above) to the findings that cover them, as zonemasterTags
// does for the other zones.
var zonemasterFaultTags = map[string][]string{
	// noaa.test: answers without AA, to SOA and NS, over UDP and TCP.
	"CN01_SOA_RECORD_NOT_AA_UDP": {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN01_NS_RECORD_NOT_AA_UDP":  {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN02_SOA_RECORD_NOT_AA_TCP": {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN02_NS_RECORD_NOT_AA_TCP":  {"lame-delegation", "recursive-nameserver", "upward-referral"},
	// NAMESERVER02: silent to an EDNS SOA query, answering it without
	// EDNS (noedns.test). Zonemaster also says it of a server that drops
	// only AAAA queries (types.test), wrongly: after one query that got no
	// reply Zonemaster blacklists the server's UDP transport
	// (Zonemaster::Engine::Nameserver, IS_BLACKLISTED in its debug log),
	// so its EDNS SOA query and its MX query (Z09_NO_RESPONSE_MX_QUERY)
	// were never sent, nor its case queries. The server answers EDNS and
	// MX (TestLabProxyFaults); ddx asks each type again over UDP and TCP
	// and names the one type that fails: query-type-failure, AAAA.
	"BREAKS_ON_EDNS": {"edns-noncompliance", "query-type-failure"},
	// NAMESERVER08: the echoed name is not the one asked, byte for byte.
	"QNAME_CASE_INSENSITIVE": {"case-not-preserved"},
	// ZONE09: a null MX beside other MX records.
	"Z09_NULL_MX_WITH_OTHER_MX": {"mx-invalid"},
	// SYNTAX04/05/08: a character other than letters, digits and hyphen,
	// or an all-numeric top label, in an NS, MX or MNAME host name.
	"MX_NON_ALLOWED_CHARS":         {"hostname-syntax"},
	"NAMESERVER_NON_ALLOWED_CHARS": {"hostname-syntax"},
	"MNAME_NON_ALLOWED_CHARS":      {"hostname-syntax"},
	"MX_NUMERIC_TLD":               {"hostname-syntax"},
	"NAMESERVER_NUMERIC_TLD":       {"hostname-syntax"},
	"MNAME_NUMERIC_TLD":            {"hostname-syntax"},
	// ADDRESS01: private.test's ns2 at 10.53.0.1 (see labAddressArtefact
	// for the lab's own 127/8 addresses).
	"NAMESERVER_IP_PRIVATE_NETWORK": {"ns-address-special"},
}

// labAddressArtefact: Zonemaster's ADDRESS01 reports every lab server,
// since the lab runs on 127/8. ddx does not report a special-purpose
// range of the kind the root servers are in (a lab is not a mistake), so
// only the other ranges (private.test's 10/8) must be found.
func labAddressArtefact(tag string, args map[string]any) bool {
	if tag != "NAMESERVER_IP_PRIVATE_NETWORK" {
		return false
	}
	a, err := netip.ParseAddr(fmt.Sprint(args["ns_ip"]))
	return err == nil && a.IsLoopback()
}
