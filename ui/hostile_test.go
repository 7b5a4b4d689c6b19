package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/ddxdns/ddx/diagnose"
	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// hostile is a universe of liars: the root servers send one fuzzed
// message, every other server another, whatever they are asked. The ID
// and question are made to match so that the engine reads the rest.
type hostile struct{ root, other []byte }

var hostileRoot = netip.MustParseAddr("192.0.2.1")

func (h hostile) Exchange(ctx context.Context, q *dns.Msg, ap netip.AddrPort, transport string) (*dns.Msg, time.Duration, error) {
	raw := h.other
	if ap.Addr() == hostileRoot {
		raw = h.root
	}
	m := new(dns.Msg)
	if err := m.Unpack(raw); err != nil {
		return nil, 0, trace.ErrTimeout
	}
	m.Id, m.Response, m.Question = q.Id, true, q.Question
	return m, time.Millisecond, nil
}

func hostileSeed(t testing.TB, rcode int, aa bool, answer, ns, extra []string) []byte {
	m := new(dns.Msg)
	m.Rcode, m.Authoritative = rcode, aa
	for _, sec := range []struct {
		to   *[]dns.RR
		from []string
	}{{&m.Answer, answer}, {&m.Ns, ns}, {&m.Extra, extra}} {
		for _, s := range sec.from {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			*sec.to = append(*sec.to, rr)
		}
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// terminalSafe reports the first rune of s that could move the cursor,
// clear the screen or otherwise act on a terminal: C0 and C1 controls
// other than newline and tab, DEL, and invalid UTF-8.
func terminalSafe(s string) (rune, bool) {
	for i, r := range s {
		if r == utf8.RuneError && len(s[i:]) > 0 {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return r, false
			}
		}
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == 0x7f) {
			return r, false
		}
	}
	return 0, true
}

// FuzzHostileServers runs the whole pipeline, engine, diagnosis, text,
// JSON and the explorer with every node expanded, against servers that
// answer with arbitrary messages. It must end within its budget, never
// panic, and never let a byte from a server act on the terminal.
func FuzzHostileServers(f *testing.F) {
	referral := hostileSeed(f, dns.RcodeSuccess, false, nil,
		[]string{"test. 172800 NS ns1.nic.test.", "test. 172800 NS ns\\027[2J.nic.test."},
		[]string{"ns1.nic.test. 172800 A 192.0.2.2", "ns\\027[2J.nic.test. 172800 A 192.0.2.3"})
	nasty := hostileSeed(f, dns.RcodeSuccess, true,
		[]string{`www.example.test. 60 CNAME \027]0\;pwned\007.example.test.`, `www.example.test. 60 TXT "\027[31mred\155\194\155"`},
		[]string{"example.test. 3600 SOA ns1.nic.test. \\008\\127.example.test. 1 2 3 4 5"}, nil)
	upward := hostileSeed(f, dns.RcodeSuccess, false, nil, []string{". 518400 NS a.root-servers.net."}, nil)
	loop := hostileSeed(f, dns.RcodeSuccess, true, []string{"www.example.test. 60 CNAME www.example.test."}, nil, nil)
	servfail := hostileSeed(f, dns.RcodeServerFailure, false, nil, nil, nil)
	f.Add(referral, nasty)
	f.Add(referral, upward)
	f.Add(referral, loop)
	f.Add(nasty, referral)
	f.Add(referral, servfail)
	f.Add(referral, referral)

	f.Fuzz(func(t *testing.T, root, other []byte) {
		cfg := trace.Config{
			Roots:     []trace.Hint{{Name: "a.root.test.", Addrs: []netip.Addr{hostileRoot}}},
			Exchanger: hostile{root, other},
			Timeout:   20 * time.Millisecond,
			Probes:    true,
			Budget:    trace.Budget{Queries: 300, Deadline: 5 * time.Second},
			Now:       fixedNow,
		}
		start := func(ctx context.Context, name string, qtype uint16, events chan<- trace.Event) (*diagnose.Report, error) {
			tr, err := trace.Run(ctx, cfg, name, qtype, events)
			if err != nil {
				return nil, err
			}
			return diagnose.New(tr), nil
		}
		began := time.Now()
		rep, err := start(context.Background(), "www.example.test.", dns.TypeA, nil)
		if err != nil {
			t.Fatalf("trace failed: %v", err)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Fatalf("the run took %s: past its 5 s deadline", d)
		}

		var out bytes.Buffer
		if err := WriteText(&out, rep, Plain(), TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := WriteCheck(&out, rep, "example.test.", Plain(), diagnose.Info); err != nil {
			t.Fatal(err)
		}
		if r, ok := terminalSafe(out.String()); !ok {
			t.Fatalf("text output carries %U:\n%q", r, out.String())
		}
		if b, err := json.Marshal(rep); err != nil || !json.Valid(b) {
			t.Fatalf("JSON: %v", err)
		}

		// The explorer: every row expanded and selected, the detail pane
		// (the raw replies) rendered for each.
		m := NewModel(t.Context(), Options{Name: "www.example.test.", Qtype: dns.TypeA, Start: start, Styles: Plain(), Now: fixedNow})
		m = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = send(t, m, m.Init()())
		for i := 0; i < 60 && i < 2*len(m.tree.rows)+2; i++ {
			m = keys(t, m, "right", "j")
			if r, ok := terminalSafe(m.View()); !ok {
				t.Fatalf("explorer view carries %U:\n%q", r, m.View())
			}
		}
	})
}

// FuzzHostileResolver is the same for `ddx compare`: a resolver that
// answers anything (EDE text, NSID, records), beside an honest one, with
// the reply, the table and the findings rendered.
func FuzzHostileResolver(f *testing.F) {
	nasty := hostileSeed(f, dns.RcodeSuccess, false,
		[]string{`www.example.test. 60 TXT "\027[2Jgone"`, `www.example.test. 4294967295 A 192.0.2.1`}, nil, nil)
	f.Add(nasty, []byte("\x1b]0;title\x07"), []byte("nsid\x9b"))
	f.Add(hostileSeed(f, dns.RcodeServerFailure, false, nil, nil, nil), []byte("\xff\xfe"), []byte{})
	f.Fuzz(func(t *testing.T, raw, edeText, nsid []byte) {
		m := new(dns.Msg)
		if m.Unpack(raw) != nil {
			return
		}
		m.RecursionAvailable = true
		opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		opt.Option = append(opt.Option, &dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeStaleAnswer, ExtraText: string(edeText)},
			&dns.EDNS0_NSID{Code: dns.EDNS0NSID, Nsid: fmt.Sprintf("%x", nsid)})
		m.Extra = append(m.Extra, opt)
		raw, err := m.Pack()
		if err != nil {
			return
		}
		honest := hostileSeed(t, dns.RcodeSuccess, false, []string{"www.example.test. 300 A 192.0.2.80"}, nil, nil)
		honest[3] |= 0x80 // RA
		q := trace.Question{Name: "www.example.test.", Type: "A", Qtype: dns.TypeA}
		c := &diagnose.Comparison{Query: q}
		for i, reply := range [][]byte{raw, honest} {
			ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)}), 53)
			o := trace.ResolverOptions{Exchanger: hostile{other: reply}, NSID: true, Timeout: 20 * time.Millisecond}
			c.Resolvers = append(c.Resolvers, trace.AskResolver(context.Background(), ap, q.Name, q.Qtype, o))
		}
		c.Findings = diagnose.Compare(c)

		var out bytes.Buffer
		if err := WriteComparison(&out, c, Plain(), 100); err != nil {
			t.Fatal(err)
		}
		for _, r := range c.Resolvers {
			if err := WriteResolverReply(&out, r, Plain()); err != nil {
				t.Fatal(err)
			}
		}
		out.WriteString(CompareTable(c, Plain(), 60))
		if r, ok := terminalSafe(out.String()); !ok {
			t.Fatalf("compare output carries %U:\n%q", r, out.String())
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("JSON: %v", err)
		}
	})
}
