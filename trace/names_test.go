package trace_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

func TestBadNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a..b", strings.Repeat("a", 64) + ".test", strings.Repeat("abcdefgh.", 32)} {
		if _, err := trace.Run(context.Background(), trace.Config{Exchanger: small(t, "")}, name, dns.TypeA, nil); err == nil {
			t.Errorf("%q: no error", name)
		}
	}
}

func TestParseName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, fqdn, unicode string
		err               string // part of the error, "" for none
	}{
		{"example.com", "example.com.", "", ""},
		{"Example.COM.", "example.com.", "", ""},
		{".", ".", "", ""},
		{"_dmarc.Example.org", "_dmarc.example.org.", "", ""},
		{"4.3.2.1.in-addr.arpa.", "4.3.2.1.in-addr.arpa.", "", ""},
		{"bücher.test", "xn--bcher-kva.test.", "bücher.test.", ""},
		{"BÜCHER.test", "xn--bcher-kva.test.", "bücher.test.", ""},
		{"xn--bcher-kva.test", "xn--bcher-kva.test.", "bücher.test.", ""},
		{"", "", "", "empty name"},
		{"a..b", "", "", "empty label at position 3"},
		{".a", "", "", "empty label at position 1"},
		{"*.example", "", "", "character '*' at position 1"},
		{"exa mple.com", "", "", "character ' ' at position 4"},
		{"ok.a\\032b.com", "", "", "character '\\\\' at position 5"},
		{"ok.a/b", "", "", "character '/' at position 5"},
		{"bü.a@b", "", "", "character '@' at position 5"},
		{"bü.a\u3000b.test", "", "", "character '\\u3000' at position 5"},
		{"ü\u200db", "", "", "character '\\u200d' at position 2"},
		{"a\xffb", "", "", "byte 0xff at position 2"},
		{"a\x1b[31m.test", "", "", "character '\\x1b' at position 2"},
		{strings.Repeat("a", 64) + ".test", "", "", "longer than 63"},
		{strings.Repeat("abcdefgh.", 32), "", "", "longer than 253"},
	}
	for _, c := range cases {
		fq, uni, err := trace.ParseName(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, trace.ErrBadName) {
				t.Errorf("ParseName(%q) error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || fq != c.fqdn || uni != c.unicode {
			t.Errorf("ParseName(%q) = %q, %q, %v; want %q, %q", c.in, fq, uni, err, c.fqdn, c.unicode)
		}
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"example.com", ".", "bücher.test", "_dmarc.x.", "a..b", "*.x", "a\xff", "xn--bcher-kva.test", "Ⅻ.test", "a.b.c.d.e.f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		fq, uni, err := trace.ParseName(in)
		if err != nil {
			if !errors.Is(err, trace.ErrBadName) {
				t.Fatalf("%q: error %v does not wrap ErrBadName", in, err)
			}
			return
		}
		if !strings.HasSuffix(fq, ".") || len(fq) > 254 {
			t.Fatalf("%q → %q: not an FQDN of at most 253 characters", in, fq)
		}
		if _, ok := dns.IsDomainName(fq); !ok {
			t.Fatalf("%q → %q: miekg/dns does not accept it", in, fq)
		}
		for i := 0; i < len(fq); i++ {
			c := fq[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
				t.Fatalf("%q → %q: byte %q", in, fq, c)
			}
		}
		again, _, err := trace.ParseName(fq)
		if err != nil || again != fq {
			t.Fatalf("%q → %q → %q, %v: not stable", in, fq, again, err)
		}
		if uni != "" && !strings.HasSuffix(uni, ".") {
			t.Fatalf("%q: Unicode form %q is not an FQDN", in, uni)
		}
	})
}
