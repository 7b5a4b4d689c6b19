package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ddxdns/ddx/trace"
	"github.com/miekg/dns"
)

// conformanceQuery asks one demo server the apex SOA (or another type),
// with EDNS as given, and returns its reply (nil when it stays silent).
func conformanceQuery(t *testing.T, addr, name string, qtype uint16, version uint8, option bool, flags uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.SetEdns0(1232, false)
	opt := m.IsEdns0()
	opt.SetVersion(version)
	opt.SetZ(flags)
	if option {
		opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: 100})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r, _, err := demo(t).Exchange(ctx, m, ap(addr), "udp")
	if errors.Is(err, trace.ErrTimeout) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConformanceFaults(t *testing.T) {
	t.Parallel()
	const (
		healthy  = "203.0.113.201" // ns2.types.test: no fault
		dropAAAA = "192.0.2.200"
		noBadVer = "192.0.2.202" // no-badvers, echo-option
		echoFlag = "203.0.113.203"
		lower    = "192.0.2.204"
	)
	// A server without faults is conformant.
	r := conformanceQuery(t, healthy, "types.test.", dns.TypeSOA, 1, false, 0)
	if r.Rcode != dns.RcodeBadVers || r.IsEdns0() == nil || r.IsEdns0().Version() != 0 || len(r.Answer) != 0 {
		t.Errorf("version 1: rcode %d, answer %v, opt %v", r.Rcode, r.Answer, r.IsEdns0())
	}
	r = conformanceQuery(t, healthy, "types.test.", dns.TypeSOA, 0, true, 0x80)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 || !r.Authoritative || len(r.IsEdns0().Option) != 0 || r.IsEdns0().Z() != 0 {
		t.Errorf("option and flag: rcode %d, aa %v, opt %v", r.Rcode, r.Authoritative, r.IsEdns0())
	}
	r = conformanceQuery(t, healthy, "tYpEs.TeSt.", dns.TypeSOA, 0, false, 0)
	if r.Question[0].Name != "tYpEs.TeSt." || r.Rcode != dns.RcodeSuccess {
		t.Errorf("mixed case: %s %d", r.Question[0].Name, r.Rcode)
	}

	if r := conformanceQuery(t, dropAAAA, "types.test.", dns.TypeAAAA, 0, false, 0); r != nil {
		t.Errorf("drop-aaaa answered AAAA: %v", r)
	}
	if r := conformanceQuery(t, dropAAAA, "types.test.", dns.TypeA, 0, false, 0); r == nil || r.Rcode != dns.RcodeSuccess {
		t.Errorf("drop-aaaa did not answer A: %v", r)
	}
	r = conformanceQuery(t, noBadVer, "ednscomp.test.", dns.TypeSOA, 1, true, 0)
	if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 || len(r.IsEdns0().Option) != 1 {
		t.Errorf("no-badvers, echo-option: rcode %d, opt %v", r.Rcode, r.IsEdns0())
	}
	if r := conformanceQuery(t, echoFlag, "ednscomp.test.", dns.TypeSOA, 0, false, 0x80); r.IsEdns0().Z() != 0x80 {
		t.Errorf("echo-flags: flags %#x", r.IsEdns0().Z())
	}
	if r := conformanceQuery(t, lower, "cAsE.tEsT.", dns.TypeSOA, 0, false, 0); r.Question[0].Name != "case.test." || r.Rcode != dns.RcodeSuccess {
		t.Errorf("case-lower: %s %d", r.Question[0].Name, r.Rcode)
	}
}
