package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The proof of issue #19 on real software: the lab's third Unbound serves
// plain DNS, DNS over TLS and DNS over HTTPS (HTTP/2 only) with a
// certificate from the CA the lab made at start, and sinkholes
// FilteredZones. dig +tls and dig +https are the anchors: ddx's answer
// over each transport is dig's over the same transport.

// digAnswer asks with dig and returns its answer section as sorted
// "name type data" lines, or dig's failure.
func digAnswer(t *testing.T, name, qtype string, opts ...string) ([]string, error) {
	t.Helper()
	dig, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dig missing: .ci/run should install bind9-dnsutils")
		}
		t.Skip("dig is not installed: apt-get install bind9-dnsutils")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"@" + EncryptedAddr.String(), name, qtype, "+noall", "+answer", "+comments", "+time=3", "+tries=1"}, opts...)
	out, err := exec.CommandContext(ctx, dig, args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("dig %v: %v: %s", args, err, out)
	}
	if !strings.Contains(string(out), "status: NOERROR") {
		return nil, fmt.Errorf("dig %v: no NOERROR answer: %s", args, out)
	}
	var rrs []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		rr, err := dns.NewRR(line)
		if err != nil || rr == nil {
			return nil, fmt.Errorf("dig %v: %q: %v", args, line, err)
		}
		h := rr.Header()
		rrs = append(rrs, strings.ToLower(h.Name)+" "+dns.TypeToString[h.Rrtype]+" "+strings.TrimPrefix(rr.String(), h.String()))
	}
	sort.Strings(rrs)
	return rrs, nil
}

// resolverAnswers returns each resolver's answer from ddx compare's JSON in
// the form of digAnswer, by the resolver's address as ddx shows it.
func resolverAnswers(t *testing.T, doc map[string]any) (map[string][]string, []map[string]any) {
	t.Helper()
	out := map[string][]string{}
	var rs []map[string]any
	for _, x := range doc["resolvers"].([]any) {
		r := x.(map[string]any)
		rs = append(rs, r)
		var rrs []string
		as, _ := r["answers"].([]any)
		for _, a := range as {
			m := a.(map[string]any)
			rrs = append(rrs, strings.ToLower(fmt.Sprint(m["name"]))+" "+fmt.Sprint(m["type"])+" "+fmt.Sprint(m["data"]))
		}
		sort.Strings(rrs)
		out[fmt.Sprint(r["address"])] = rrs
	}
	return out, rs
}

func TestLabEncryptedTransports(t *testing.T) {
	needLab(t)
	plain, dot, doh := "@"+EncryptedAddr.String(), "@"+DoTURL(), "@"+DoHURL()
	digTLS := []string{"+tls", "+tls-ca=" + theLab.CA, fmt.Sprintf("-p%d", DoTPort)}
	digHTTPS := []string{"+https=" + DoHPath, "+tls-ca=" + theLab.CA, fmt.Sprintf("-p%d", DoHPort)}

	t.Run("plain, DoT and DoH agree with each other and with dig", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"www.healthy.test", "cdn.healthy.test"} {
			code, doc := ddxJSON(t, "compare", name, "A", plain, dot, doh, "--tls-ca", theLab.CA)
			if s := severe(doc); len(s) > 0 || code != 0 {
				t.Errorf("%s: exit %d, findings at warning and above %v", name, code, s)
			}
			answers, rs := resolverAnswers(t, doc)
			if len(rs) != 3 {
				t.Fatalf("%s: %d resolvers in the JSON, want 3", name, len(rs))
			}
			for i, want := range []string{"udp", "tls", "https"} {
				r := rs[i]
				if r["transport"] != want || r["rcode"] != "NOERROR" || r["error"] != nil {
					t.Errorf("%s: resolver %d: transport %v rcode %v error %v, want %s NOERROR", name, i, r["transport"], r["rcode"], r["error"], want)
				}
				if want == "udp" {
					continue
				}
				tls, _ := r["tls"].(map[string]any)
				if tls["verified"] != true || !strings.Contains(fmt.Sprint(tls["issuer"]), "ddx lab CA") {
					t.Errorf("%s over %s: tls %v, want verified against the lab CA", name, want, tls)
				}
			}
			if h, _ := rs[2]["http"].(map[string]any); h["proto"] != "HTTP/2.0" || fmt.Sprint(h["status"]) != "200" {
				t.Errorf("%s over DoH: http %v, want HTTP/2.0 200", name, h)
			}
			first := answers[fmt.Sprint(rs[0]["address"])]
			if len(first) == 0 {
				t.Fatalf("%s: no answer over plain DNS", name)
			}
			for _, r := range rs[1:] {
				if got := answers[fmt.Sprint(r["address"])]; fmt.Sprint(got) != fmt.Sprint(first) {
					t.Errorf("%s: %v answered %v, plain DNS %v", name, r["address"], got, first)
				}
			}
			// The anchors: dig over the same transports.
			for i, opts := range [][]string{nil, digTLS, digHTTPS} {
				want, err := digAnswer(t, name, "A", opts...)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if got := answers[fmt.Sprint(rs[i]["address"])]; fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s over %v: ddx %v, dig %v %v", name, rs[i]["transport"], got, opts, want)
				}
			}
		}
	})

	t.Run("a filtering DoH resolver against a clean one", func(t *testing.T) {
		t.Parallel()
		// www.blocked.test does not exist (NXDOMAIN from test.);
		// mail.healthy.test does. The filtering resolver answers 0.0.0.0
		// for both, without an Extended DNS Error.
		for _, name := range []string{"www.blocked.test", "mail.healthy.test"} {
			code, doc := ddxJSON(t, "compare", name, "A", doh, "@"+BindAddr.String(), "--tls-ca", theLab.CA)
			answers, rs := resolverAnswers(t, doc)
			dohName := fmt.Sprint(rs[0]["address"])
			if got := answers[dohName]; fmt.Sprint(got) != fmt.Sprintf("[%s. A 0.0.0.0]", name) {
				t.Errorf("%s: the filtering resolver answered %v", name, got)
			}
			// dig over DoH sees the same sinkhole.
			if want, err := digAnswer(t, name, "A", digHTTPS...); err != nil || fmt.Sprint(want) != fmt.Sprint(answers[dohName]) {
				t.Errorf("%s: dig +https %v (%v), ddx %v", name, want, err, answers[dohName])
			}
			if code != 1 {
				t.Errorf("%s: exit %d, want 1", name, code)
			}
			var found bool
			for _, f := range findingsWith(doc, "resolver-answer-not-authoritative") {
				found = true
				if fmt.Sprint(f["servers"]) != "["+dohName+"]" {
					t.Errorf("%s: blames %v, want only the filtering resolver %s", name, f["servers"], dohName)
				}
				if e := fmt.Sprint(f["explanation"]); !strings.Contains(e, "0.0.0.0") || !strings.Contains(e, "sinkhole") || !strings.Contains(e, "filtering") {
					t.Errorf("%s: explanation does not name the sinkhole: %s", name, e)
				}
			}
			if !found {
				t.Errorf("%s: no resolver-answer-not-authoritative; findings %v", name, ids(doc))
			}
			for _, f := range findingsWith(doc, "resolver-outcome-split") {
				if e := fmt.Sprint(f["explanation"]); !strings.Contains(e, "sinkhole") {
					t.Errorf("%s: resolver-outcome-split does not name the filtering as the cause: %s", name, e)
				}
			}
		}
	})

	t.Run("a CA that did not sign the certificate", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		wrong, err := WriteCA(dir, "not the lab CA", EncryptedAddr)
		if err != nil {
			t.Fatal(err)
		}
		// dig refuses too.
		for _, opts := range [][]string{
			{"+tls", "+tls-ca=" + wrong, fmt.Sprintf("-p%d", DoTPort)},
			{"+https=" + DoHPath, "+tls-ca=" + wrong, fmt.Sprintf("-p%d", DoHPort)},
		} {
			if rrs, err := digAnswer(t, "www.healthy.test", "A", opts...); err == nil {
				t.Errorf("dig %v with the wrong CA answered %v", opts, rrs)
			}
		}
		code, doc := ddxJSON(t, "compare", "www.healthy.test", "A", dot, doh, "--tls-ca", wrong)
		if code == 0 {
			t.Errorf("exit 0 with every resolver failing")
		}
		_, rs := resolverAnswers(t, doc)
		for _, r := range rs {
			tf, _ := r["transport_failure"].(map[string]any)
			if tf["layer"] != "tls" || tf["kind"] != "certificate-unknown-authority" {
				t.Errorf("%v: transport_failure %v, want the TLS layer, certificate-unknown-authority", r["address"], tf)
			}
		}
		blamed := map[string]bool{}
		for _, f := range findingsWith(doc, "resolver-transport-failure") {
			for _, s := range f["servers"].([]any) {
				blamed[fmt.Sprint(s)] = true
			}
			text := fmt.Sprint(f["summary"], " ", f["explanation"])
			if !strings.Contains(text, "certificate") || !strings.Contains(text, "TLS layer") || strings.Contains(text, "timed out") {
				t.Errorf("resolver-transport-failure does not name the certificate layer: %s", text)
			}
		}
		for _, r := range rs {
			if !blamed[fmt.Sprint(r["address"])] {
				t.Errorf("no resolver-transport-failure for %v; findings %v", r["address"], ids(doc))
			}
		}
	})
}
