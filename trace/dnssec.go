package trace

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// Purposes of the DNSSEC questions: the DS RRset asked of every server of
// a parent zone that refers to a child, and the DNSKEY RRset asked of
// every server of each zone.
const (
	PurposeDS     Purpose = "ds"
	PurposeDNSKEY Purpose = "dnskey"
)

// DNSSECConfig is what validation of a trace starts from, saved with it
// so that diagnosing a saved trace validates as the live run did.
type DNSSECConfig struct {
	// Time is the validation clock: the run's start, in Unix seconds.
	Time int64 `json:"time"`
	// Anchors are the trust anchors (DS or DNSKEY records, presentation
	// format); none means nothing can be validated (indeterminate).
	Anchors []string `json:"anchors"`
	// AnchorSource says where the anchors came from: builtin (the IANA
	// root keys), config (--trust-anchor), universe (a simulated one's),
	// or none.
	AnchorSource string `json:"anchor_source"`
}

// A TrustAnchorer is an Exchanger that knows the trust anchors of its own
// root, as a simulated universe does.
type TrustAnchorer interface {
	TrustAnchors() []dns.RR
}

// RootAnchors are the IANA root zone KSKs (KSK-2017 and KSK-2024) as DS
// records, as Debian's dns-root-data ships them in /usr/share/dns/root.ds.
var RootAnchors = mustRRs(
	". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
)

func mustRRs(lines ...string) []dns.RR {
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			panic(err)
		}
		out = append(out, rr)
	}
	return out
}

// ParseTrustAnchors reads DS or DNSKEY records in zone-file format, as
// Unbound's trust-anchor-file holds them. Other record types are refused.
func ParseTrustAnchors(r io.Reader, file string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(r, ".", file)
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch x := rr.(type) {
		case *dns.DS:
			if _, err := hex.DecodeString(x.Digest); err != nil || x.Digest == "" {
				return nil, fmt.Errorf("%s: DS %d: the digest is not hexadecimal", file, x.KeyTag)
			}
			out = append(out, rr)
		case *dns.DNSKEY:
			out = append(out, rr)
		default:
			return nil, fmt.Errorf("%s: %s is not a DS or DNSKEY record", file, dns.TypeToString[rr.Header().Rrtype])
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no DS or DNSKEY record", file)
	}
	return out, nil
}

// dnssecConfig is the DNSSEC part of the run's summary, nil without DNSSEC.
func (r *run) dnssecConfig() *DNSSECConfig {
	if r.cfg.NoDNSSEC {
		return nil
	}
	c := &DNSSECConfig{Time: r.start.Unix(), Anchors: []string{}, AnchorSource: "none"}
	anchors := r.cfg.TrustAnchors
	switch ta, ok := r.cfg.Exchanger.(TrustAnchorer); {
	case len(anchors) > 0 && len(RootAnchors) > 0 && &anchors[0] == &RootAnchors[0]:
		c.AnchorSource = "builtin" // the built-in root hints (withDefaults)
	case anchors != nil:
		c.AnchorSource = "config"
	case ok && ta.TrustAnchors() != nil:
		anchors, c.AnchorSource = ta.TrustAnchors(), "universe"
	}
	// Otherwise the roots are the user's and the IANA keys do not apply
	// to them: no anchor.
	for _, rr := range anchors {
		c.Anchors = append(c.Anchors, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return c
}

// dnssecQuestions are the DNSSEC questions every server of a zone is asked
// in its survey: the zone's DNSKEY RRset.
func (r *run) dnssecQuestions(st *Step) []probe {
	if r.cfg.NoDNSSEC {
		return nil
	}
	return []probe{{PurposeDNSKEY, st.Zone, dns.TypeDNSKEY, false}}
}

// askDS asks the parent server that referred to child for the child's DS
// RRset, once per step, child and server address: it stays with the step
// whose referral it checks (stabilize moves surveys, never it).
func (r *run) askDS(st *Step, idx int, srv *Server, ap netip.AddrPort, child string) {
	if r.cfg.NoDNSSEC || child == "" {
		return
	}
	key := fmt.Sprintf("DS|%d|%s|%s", st.ID, child, ap)
	r.mu.Lock()
	done := r.surveyed[key]
	r.surveyed[key] = true
	r.mu.Unlock()
	if done {
		return
	}
	ds := r.ask(r.ctx, ap, child, dns.TypeDS, false, PurposeDS)
	if ds.OK() {
		ds.Class = Classify(child, dns.TypeDS, st.Zone, ds.Reply).Class
	}
	r.addQuery(st, idx, srv, ds)
}
