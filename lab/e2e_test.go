package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddxdns/ddx"
)

// The lab, shared by every test of this package.
var (
	theLab  *Lab
	labErr  error
	ddxBin  string
	zmSlots = make(chan struct{}, 2) // Zonemaster runs at most two at a time
)

func TestMain(m *testing.M) {
	code := func() int {
		if labErr = Check(); labErr != nil {
			if os.Getenv("CI") == "true" {
				fmt.Fprintln(os.Stderr, "lab:", labErr, "(.ci/run should have installed it)")
				return 1
			}
			fmt.Fprintln(os.Stderr, "lab: end-to-end tests skipped:", labErr)
			return m.Run()
		}
		dir, err := os.MkdirTemp("", WorkDirPrefix)
		if err != nil {
			labErr = err
			return 1
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "ddx")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/ddx").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "lab: building ddx: %v\n%s", err, out)
			return 1
		}
		ddxBin = bin
		theLab, labErr = Start(context.Background(), ddx.Universe, ddx.UniverseDir, dir, func(string, ...any) {})
		if labErr != nil {
			fmt.Fprintln(os.Stderr, "lab:", labErr)
			if os.Getenv("CI") == "true" || !strings.Contains(labErr.Error(), "unavailable") {
				return 1
			}
			return m.Run()
		}
		defer theLab.Stop()
		return m.Run()
	}()
	os.Exit(code)
}

func needLab(t *testing.T) {
	t.Helper()
	if theLab == nil {
		t.Skipf("lab not running: %v", labErr)
	}
}

// ddxJSON runs the real binary against the lab root with a 1 s timeout
// (the lab has dead servers) and decodes its JSON.
func ddxJSON(t *testing.T, args ...string) (int, map[string]any) {
	t.Helper()
	return ddxRun(t, append([]string{args[0], "--timeout", "1s"}, args[1:]...)...)
}

// ddxRun runs the real binary against the lab root with ddx's own
// defaults (--timeout 1.5s, --tries 2) unless args set them, and decodes
// its JSON.
func ddxRun(t *testing.T, args ...string) (int, map[string]any) {
	t.Helper()
	full := append([]string{args[0], "--root-hints", theLab.Hints, "-4", "-o", "json"}, args[1:]...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ddxBin, full...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ddx %v: %v", full, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("ddx %v: exit %d, %v\nstderr: %s", full, code, err, stderr.String())
	}
	return code, doc
}

// severe lists the findings at warning and above as "id@zone", sorted,
// once per finding (a per-server finding appears once per server).
func severe(doc map[string]any) []string {
	out := []string{}
	fs, _ := doc["findings"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		switch m["severity"] {
		case "warning", "error", "critical":
			out = append(out, fmt.Sprint(m["id"], "@", m["zone"]))
		}
	}
	sort.Strings(out)
	return out
}

// sameSet reports whether got is exactly want (both sorted by the caller
// or not: order does not matter; duplicates do).
func sameSet(got, want []string) bool {
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	return fmt.Sprint(g) == fmt.Sprint(w)
}

// ids lists the finding IDs of a document as "id@zone".
func ids(doc map[string]any) []string {
	var out []string
	fs, _ := doc["findings"].([]any)
	for _, f := range fs {
		m := f.(map[string]any)
		out = append(out, fmt.Sprint(m["id"], "@", m["zone"]))
	}
	sort.Strings(out)
	return out
}

func outcome(doc map[string]any) string {
	o, _ := doc["outcome"].(map[string]any)
	return fmt.Sprint(o["rcode"])
}

func has(list []string, want string) bool {
	for _, x := range list {
		if x == want {
			return true
		}
	}
	return false
}

// TestLabTrace traces a name in every lab zone through real BIND and NSD
// and asserts the exact set of findings at warning and above (as the demo
// fixtures do in diagnose), so a false positive on real servers fails as
// surely as a miss. Where real servers differ from the demo, or the set is
// not yet stable, the case says why.
func TestLabTrace(t *testing.T) {
	needLab(t)
	cases := []struct {
		name, qtype, rcode string
		want               string // exactly these at warning and above
		// subset: want need only be included, for the reason given.
		subset string
	}{
		{"www.healthy.test", "A", "NOERROR", "", ""},
		{"cdn.healthy.test", "A", "NOERROR", "", ""},
		{"10.2.0.192.in-addr.arpa", "PTR", "NOERROR", "", ""},
		{"gone.lab", "NS", "DEPENDS", "parent-servers-disagree@gone.lab. server-timeout@gone.lab. server-timeout@gone.lab. soa-serial-mismatch@lab. zone-unreachable@gone.lab.", ""},
		{"www.lame.test", "A", "NOERROR", "lame-delegation@lame.test.", ""},
		{"www.dead.test", "A", "SERVFAIL", "server-timeout@dead.test. server-timeout@dead.test. zone-unreachable@dead.test.", ""},
		{"www.halfdead.test", "A", "NOERROR", "server-timeout@halfdead.test.", ""},
		{"www.mismatch.test", "A", "NOERROR", "ns-parent-child-mismatch@mismatch.test.", ""},
		{"www.renumbered.test", "A", "NOERROR", "glue-mismatch@renumbered.test.", ""},
		{"www.trailing.test", "A", "NOERROR", "ns-missing-trailing-dot@trailing.test. ns-parent-child-mismatch@trailing.test.", ""},
		// FORMERR without OPT is what RFC 6891 §7 asks of a server
		// without EDNS: a notice, nothing at warning.
		{"www.edns.test", "A", "NOERROR", "", ""},
		// 900 ms is slow, not broken: slow-server is a notice.
		{"www.slow.test", "A", "NOERROR", "", ""},
		{"big.tcp.test", "TXT", "SERVFAIL", "tcp-failure@tcp.test. tcp-failure@tcp.test.", ""},
		{"www.upward.test", "A", "NOERROR", "upward-referral@upward.test.", ""},
		// Unlike the demo's recursive server, a real BIND with recursion
		// open answers a query without RD for a name it has not cached
		// with a referral to the root from its hints: an upward referral
		// too.
		{"www.recursive.test", "A", "NOERROR", "recursive-nameserver@recursive.test. upward-referral@recursive.test.", ""},
		{"www.servfail.test", "A", "NOERROR", "server-failure@servfail.test.", ""},
		{"www.serial.test", "A", "NOERROR", "soa-serial-mismatch@serial.test. answer-inconsistent@serial.test.", ""},
		{"www.shared.test", "A", "NOERROR", "ns-shared-address@shared.test.", ""},
		{"www.single.test", "A", "NOERROR", "too-few-ns@single.test.", ""},
		// Nine in-zone names with glue: the referral takes 577 bytes.
		{"www.many.test", "A", "NOERROR", "referral-too-large@many.test.", ""},
		{"www.unres.test", "A", "NOERROR", "ns-name-unresolvable@unres.test.", ""},
		{"www.nsalias.test", "A", "NOERROR", "ns-is-cname@nsalias.test.", ""},
		{"www.loop.test", "A", "SERVFAIL", "cname-loop@loop.test.", ""},
		{"www.chain.test", "A", "NOERROR", "", ""},
		{"www.nsttl.test", "A", "NOERROR", "ns-ttl-zero@nsttl.test.", ""},
		{"www.inconsistent.test", "A", "NOERROR", "answer-inconsistent@inconsistent.test. ns-parent-child-mismatch@inconsistent.test.", ""},
		{"www.unreach.test", "A", "NOERROR", "server-unreachable@unreach.test.", ""},
		{"www.missingglue.test", "A", "SERVFAIL", "missing-glue@missingglue.test. zone-unreachable@missingglue.test.", ""},
		{"www.deep.test", "A", "NOERROR", "glueless-indirection@deep.test. too-few-ns@deep.example. too-few-ns@deep.test. too-few-ns@deep2.test.", ""},
		{"www.cycle.test", "A", "SERVFAIL", "glueless-indirection@cycle.test. too-few-ns@cycle.test. zone-unreachable@cycle.test.", "whether cycle.example's server is glueless-indirection or ns-name-unresolvable is being reworked in the engine"},
		{"www.sub.extraglue.test", "A", "NOERROR", "", ""},
		{"192.0.2.10", "A", "NXDOMAIN", "", ""},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, doc := ddxJSON(t, "trace", c.name, c.qtype)
			got, want := severe(doc), strings.Fields(c.want)
			if outcome(doc) != c.rcode {
				t.Errorf("outcome %s, want %s (findings %v)", outcome(doc), c.rcode, ids(doc))
			}
			if c.subset != "" {
				for _, w := range want {
					if !has(got, w) {
						t.Errorf("missing %s at warning or above; got %v", w, got)
					}
				}
				return
			}
			if !sameSet(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
		})
	}
}

// TestLabCheck health-checks zones with the probes only check makes: the
// exact set at warning and above, and the lower findings each zone is
// there to show.
func TestLabCheck(t *testing.T) {
	needLab(t)
	cases := []struct {
		zone   string
		severe string // exactly these at warning and above
		also   string // and these, at any severity
	}{
		{"healthy.test", "", ""},
		{"mxalias.test", "mx-to-cname@mxalias.test.", ""},
		{"wild.test", "", "wildcard-mx@wild.test."},
		{"timers.test", "", "soa-timers@timers.test."},
		{"nosuch.test", "not-delegated@nosuch.test.", ""},
		{"trailing.test", "ns-missing-trailing-dot@trailing.test. ns-missing-trailing-dot@trailing.test. ns-parent-child-mismatch@trailing.test.", ""},
	}
	for _, c := range cases {
		c := c
		t.Run(c.zone, func(t *testing.T) {
			t.Parallel()
			code, doc := ddxJSON(t, "check", c.zone)
			got := severe(doc)
			if want := strings.Fields(c.severe); !sameSet(got, want) {
				t.Errorf("findings at warning and above:\n got  %v\n want %v", got, want)
			}
			for _, w := range strings.Fields(c.also) {
				if !has(ids(doc), w) {
					t.Errorf("missing %s; got %v", w, ids(doc))
				}
			}
			if c.severe == "" && code != 0 {
				t.Errorf("exit %d with nothing at warning or above", code)
			}
		})
	}
}

// TestLabCompare asks the lab's Unbound and BIND resolvers, which disagree
// the way resolvers do in the wild.
func TestLabCompare(t *testing.T) {
	needLab(t)
	unbound, bind := "@"+UnboundAddr.String(), "@"+BindAddr.String()
	t.Run("stale delegation", func(t *testing.T) {
		t.Parallel()
		// Unbound asks only the stale lab. server and gets stuck on the dead
		// servers (SERVFAIL, or silence while it retries); BIND never asks
		// it and says NXDOMAIN.
		code, doc := ddxJSON(t, "compare", "gone.lab", "NS", unbound, bind, "--resolver-timeout", "4s")
		rs := doc["resolvers"].([]any)
		u, b := rs[0].(map[string]any), rs[1].(map[string]any)
		if b["rcode"] != "NXDOMAIN" || u["rcode"] == "NXDOMAIN" {
			t.Errorf("unbound %v %v, bind %v", u["rcode"], u["error"], b["rcode"])
		}
		if !has(ids(doc), "resolver-outcome-split@gone.lab.") || code != 1 {
			t.Errorf("exit %d, findings %v", code, ids(doc))
		}
		for _, f := range doc["findings"].([]any) {
			m := f.(map[string]any)
			if m["id"] == "resolver-outcome-split" && !strings.Contains(fmt.Sprint(m["explanation"]), "ns3.nic.lab.") {
				t.Errorf("explanation does not name the stale server: %v", m["explanation"])
			}
		}
	})
	t.Run("stretched TTL", func(t *testing.T) {
		t.Parallel()
		_, doc := ddxJSON(t, "compare", "www.healthy.test", unbound, bind)
		got := ids(doc)
		if !has(got, "ttl-not-honoured@www.healthy.test.") || has(got, "resolver-outcome-split@www.healthy.test.") {
			t.Errorf("findings %v", got)
		}
		for _, f := range doc["findings"].([]any) {
			m := f.(map[string]any)
			if m["id"] == "ttl-not-honoured" && fmt.Sprint(m["servers"]) != fmt.Sprintf("[%s:53]", UnboundAddr) {
				t.Errorf("ttl finding blames %v, want only Unbound (cache-min-ttl)", m["servers"])
			}
		}
	})
	t.Run("authoritative server as resolver", func(t *testing.T) {
		t.Parallel()
		lame := "@" + theLab.Public("203.0.113.30").String()
		_, doc := ddxJSON(t, "www.healthy.test", lame)
		if !has(ids(doc), "resolver-no-recursion@www.healthy.test.") {
			t.Errorf("findings %v", ids(doc))
		}
	})
}

// zonemasterTags maps each Zonemaster message tag seen on the lab zones
// (WARNING and above) to the catalogue IDs that cover the same problem; a
// tag is found when ddx check reports any of them. Tags in
// zonemasterOutOfScope are problems the catalogue does not cover, each
// with the reason. Any other tag fails the test until it is placed in one
// of the two tables.
var zonemasterTags = map[string][]string{
	"CANNOT_CONTINUE":                   {"zone-unreachable", "missing-glue", "not-delegated", "parent-servers-disagree"},
	"NO_GLUE_PREVENTS_NAMESERVER_TESTS": {"missing-glue", "zone-unreachable"},
	"NOT_ENOUGH_NS_DEL":                 {"too-few-ns"},
	"NOT_ENOUGH_NS_CHILD":               {"too-few-ns"},
	"NOT_ENOUGH_IPV4_NS_DEL":            {"too-few-ns", "ns-name-unresolvable"},
	"NOT_ENOUGH_IPV4_NS_CHILD":          {"too-few-ns", "ns-name-unresolvable", "ns-missing-trailing-dot"},
	"CAN_NOT_BE_RESOLVED":               {"ns-name-unresolvable", "ns-missing-trailing-dot"},
	"EXTRA_NAME_PARENT":                 {"ns-parent-child-mismatch"},
	"EXTRA_NAME_CHILD":                  {"ns-parent-child-mismatch"},
	"NS_IS_CNAME":                       {"ns-is-cname"},
	"NO_EDNS_SUPPORT":                   {"edns-noncompliance"},
	"CN01_NO_RESPONSE_UDP":              {"server-timeout", "server-unreachable", "zone-unreachable"},
	"CN02_NO_RESPONSE_TCP":              {"tcp-failure", "server-timeout", "server-unreachable", "zone-unreachable"},
	// Also when the child's "address" for a glued name is a CNAME
	// (aliasglue.test): the alias is the problem.
	"IN_BAILIWICK_ADDR_MISMATCH": {"glue-mismatch", "ns-is-cname"},
	"MULTIPLE_SOA_SERIALS":       {"soa-serial-mismatch"},
	"SAME_IP_ADDRESS":            {"ns-shared-address"},
	"DEL_NS_SAME_IP":             {"ns-shared-address"},
	"CHILD_NS_SAME_IP":           {"ns-shared-address"},
	"EXPIRE_MINIMUM_VALUE_LOWER": {"soa-timers"},
	"IS_A_RECURSOR":              {"recursive-nameserver", "upward-referral"},
	// A server that is listed but does not serve the zone, seen through
	// the queries Zonemaster makes of it. An open Unbound answers queries
	// without RD REFUSED (openres.test): ddx calls a recursive server's
	// lameness recursive-nameserver, one finding for both.
	"IS_NOT_AUTHORITATIVE":                {"lame-delegation", "server-failure", "recursive-nameserver", "upward-referral", "ns-set-inconsistent"},
	"NS_FAILED":                           {"lame-delegation", "server-failure", "recursive-nameserver", "upward-referral", "ns-set-inconsistent"},
	"NS_ERROR":                            {"lame-delegation", "server-failure", "recursive-nameserver", "upward-referral", "ns-set-inconsistent"},
	"SOA_NOT_EXISTS":                      {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"UNEXPECTED_RCODE":                    {"lame-delegation", "server-failure", "ns-missing-trailing-dot", "ns-set-inconsistent", "recursive-nameserver"},
	"A_UNEXPECTED_RCODE":                  {"lame-delegation", "server-failure", "ns-set-inconsistent", "recursive-nameserver"},
	"CN01_UNEXPECTED_RCODE_NS_QUERY_UDP":  {"lame-delegation", "server-failure", "ns-set-inconsistent", "recursive-nameserver"},
	"CN01_UNEXPECTED_RCODE_SOA_QUERY_UDP": {"lame-delegation", "server-failure", "ns-set-inconsistent", "recursive-nameserver"},
	"CN02_UNEXPECTED_RCODE_NS_QUERY_TCP":  {"lame-delegation", "server-failure", "ns-set-inconsistent", "recursive-nameserver"},
	"CN02_UNEXPECTED_RCODE_SOA_QUERY_TCP": {"lame-delegation", "server-failure", "ns-set-inconsistent", "recursive-nameserver"},
	"CN01_MISSING_NS_RECORD_UDP":          {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN01_MISSING_SOA_RECORD_UDP":         {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN02_MISSING_NS_RECORD_TCP":          {"lame-delegation", "recursive-nameserver", "upward-referral"},
	"CN02_MISSING_SOA_RECORD_TCP":         {"lame-delegation", "recursive-nameserver", "upward-referral"},
	// The conformance probes of ddx check (NAMESERVER05/08/09/10/11, ZONE09).
	"N10_NO_RESPONSE_EDNS1_QUERY":     {"edns-noncompliance"},
	"N10_UNEXPECTED_RCODE":            {"edns-noncompliance"},
	"N10_EDNS_RESPONSE_ERROR":         {"edns-noncompliance"},
	"N11_NO_RESPONSE":                 {"edns-noncompliance"},
	"N11_UNEXPECTED_RCODE":            {"edns-noncompliance"},
	"N11_UNEXPECTED_ANSWER_SECTION":   {"edns-noncompliance"},
	"N11_RETURNS_UNKNOWN_OPTION_CODE": {"edns-noncompliance"},
	"AAAA_QUERY_DROPPED":              {"query-type-failure"},
	"AAAA_UNEXPECTED_RCODE":           {"query-type-failure"},
	"AAAA_BAD_RDATA":                  {"query-type-failure"},
	"Z09_NO_RESPONSE_MX_QUERY":        {"query-type-failure"},
	"Z09_UNEXPECTED_RCODE_MX":         {"query-type-failure"},
	"QNAME_CASE_SENSITIVE":            {"case-not-preserved"},
	"CASE_QUERY_DIFFERENT_ANSWER":     {"case-not-preserved"},
	"CASE_QUERY_DIFFERENT_RC":         {"case-not-preserved"},
	"CASE_QUERY_NO_ANSWER":            {"case-not-preserved"},
	"CASE_QUERIES_RESULTS_DIFFER":     {"case-not-preserved"},
	// ZONE01: soa-mname, or, when the MNAME is a listed server, that
	// server's own finding (ddx reports a listed server once).
	// Zonemaster does not follow an alias: nsalias.test's MNAME is its
	// listed server dns.provider.test, a CNAME (ns-is-cname).
	"MNAME_HAS_NO_ADDRESS":         {"soa-mname", "ns-name-unresolvable", "ns-is-cname", "missing-glue", "glueless-indirection", "zone-unreachable"},
	"Z01_MNAME_NOT_RESOLVE":        {"soa-mname", "ns-name-unresolvable", "ns-is-cname", "missing-glue", "glueless-indirection", "zone-unreachable"},
	"Z01_MNAME_NO_RESPONSE":        {"soa-mname", "server-timeout", "server-unreachable", "zone-unreachable", "missing-glue"},
	"Z01_MNAME_UNEXPECTED_RCODE":   {"soa-mname", "lame-delegation", "server-failure", "recursive-nameserver", "upward-referral"},
	"Z01_MNAME_MISSING_SOA_RECORD": {"soa-mname", "lame-delegation", "recursive-nameserver", "upward-referral"},
	"Z01_MNAME_NOT_AUTHORITATIVE":  {"soa-mname", "lame-delegation", "recursive-nameserver", "upward-referral"},
	"Z01_MNAME_NOT_MASTER":         {"soa-mname", "soa-serial-mismatch"},
}

// zonemasterOutOfScope: tags for problems the catalogue does not cover.
var zonemasterOutOfScope = map[string]string{
	"NAMESERVER_IP_WITHOUT_REVERSE": "reverse DNS of server addresses is not in the catalogue",
}

// TestZonemasterFindingsAreFound runs zonemaster-cli on lab zones: every
// problem it reports at WARNING or above that the catalogue covers must be
// found by ddx check on the same zone.
func TestZonemasterFindingsAreFound(t *testing.T) {
	needLab(t)
	zm, err := exec.LookPath("zonemaster-cli")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zonemaster-cli missing: .ci/run should install it")
		}
		t.Skip("zonemaster-cli is not installed: apt-get install zonemaster-cli")
	}
	zones := []string{"healthy.test", "lame.test", "dead.test", "halfdead.test", "mismatch.test", "renumbered.test",
		"trailing.test", "edns.test", "tcp.test", "upward.test", "recursive.test", "servfail.test", "serial.test",
		"shared.test", "single.test", "unres.test", "nsalias.test", "timers.test", "inconsistent.test",
		"unreach.test", "missingglue.test", "deep.test", "gone.lab",
		"openres.test", "aliasglue.test", "child.parent.test",
		"mname.test", "contact.test", "sibglue.test"}
	zones = append(zones, faultZones...)
	// Zonemaster's resolver waits 5 s a try, three tries, by default: with
	// dead servers in the lab that is minutes. Its tags are the same at
	// 1 s and two tries.
	profile := filepath.Join(t.TempDir(), "zonemaster-profile.json")
	if err := os.WriteFile(profile, []byte(`{"resolver":{"defaults":{"timeout":1,"retry":2,"retrans":1}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	for _, zone := range zones {
		zone := zone
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			zmSlots <- struct{}{}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			out, err := exec.CommandContext(ctx, zm, "--profile", profile, "--hints", theLab.Hints, "--no-ipv6", "--json", "--raw", "--level", "WARNING", zone).Output()
			cancel()
			<-zmSlots
			if err != nil && len(out) == 0 {
				t.Fatalf("zonemaster-cli %s: %v", zone, err)
			}
			var msgs []struct {
				Level, Tag, Module string
				Args               map[string]any
			}
			if err := json.Unmarshal(out, &msgs); err != nil {
				t.Fatalf("zonemaster output: %v\n%.500s", err, out)
			}
			_, doc := ddxJSON(t, "check", zone)
			var got []string
			for _, id := range ids(doc) {
				got = append(got, strings.SplitN(id, "@", 2)[0])
			}
			for _, m := range msgs {
				if m.Level != "WARNING" && m.Level != "ERROR" && m.Level != "CRITICAL" {
					continue
				}
				if labAddressArtefact(m.Tag, m.Args) {
					continue
				}
				want, mapped := zonemasterTags[m.Tag]
				if !mapped {
					want, mapped = zonemasterFaultTags[m.Tag]
				}
				if _, out := zonemasterOutOfScope[m.Tag]; out {
					continue
				}
				if !mapped {
					t.Errorf("Zonemaster reported %s %s (%s) on %s: put it in zonemasterTags or zonemasterOutOfScope", m.Level, m.Tag, m.Module, zone)
					continue
				}
				found := false
				for _, w := range want {
					found = found || has(got, w)
				}
				if !found {
					mu.Lock()
					t.Errorf("Zonemaster found %s (%s) on %s; ddx check found none of %v (it found %v)", m.Tag, m.Level, zone, want, got)
					mu.Unlock()
				}
			}
		})
	}
}
