package main

import (
	"flag"
	"os"

	"github.com/ddxdns/ddx/trace"
)

// dnssecOpts are the DNSSEC flags of every command that traces.
type dnssecOpts struct {
	trustAnchor string
	noDNSSEC    bool
}

func (d *dnssecOpts) flags(fs *flag.FlagSet) {
	fs.StringVar(&d.trustAnchor, "trust-anchor", "", "validate from the DS or DNSKEY records in `FILE` (zone-file format, as Unbound's trust-anchor-file)")
	fs.BoolVar(&d.noDNSSEC, "no-dnssec", false, "send queries without DO, ask no DS or DNSKEY, validate nothing")
}

// config sets the DNSSEC fields of cfg: the trust anchors of
// --trust-anchor (the built-in IANA root keys serve the built-in root
// hints; the demo universe brings its own), or none with --no-dnssec.
func (d *dnssecOpts) config(cfg *trace.Config) error {
	switch {
	case d.noDNSSEC && d.trustAnchor != "":
		return usagef("--no-dnssec and --trust-anchor exclude each other")
	case d.noDNSSEC:
		cfg.NoDNSSEC = true
	case d.trustAnchor != "":
		f, err := os.Open(d.trustAnchor)
		if err != nil {
			return usagef("cannot read the trust anchor: %v", err)
		}
		defer f.Close()
		if cfg.TrustAnchors, err = trace.ParseTrustAnchors(f, d.trustAnchor); err != nil {
			return usagef("--trust-anchor %v; give DS or DNSKEY records in zone-file format (. IN DS 20326 8 2 E06D...)", err)
		}
	}
	return nil
}
