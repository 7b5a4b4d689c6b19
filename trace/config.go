package trace

import (
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// Config holds everything environmental about a run. The zero value works:
// built-in root hints, the real network, the defaults below.
type Config struct {
	// Roots are the root servers to start from; nil means the built-in
	// IANA hints.
	Roots []Hint
	// Exchanger sends queries; nil means the real network.
	Exchanger Exchanger
	// Port, if non-zero, replaces 53 for every server address.
	Port uint16
	// Timeout is the time to wait for one reply (default 1.5 s).
	Timeout time.Duration
	// Tries is how many times a query is sent over UDP before the server
	// is declared silent (default 2).
	Tries int
	// NoIPv4 and NoIPv6 leave out that address family.
	NoIPv4, NoIPv6 bool
	// InFlight bounds the queries in flight at once (default 32).
	InFlight int
	// Probes adds the checks only a health check needs: the addresses of
	// in-zone name servers from each child server, an RD=1 probe and a
	// random-label MX query.
	Probes bool
	// Budget bounds the work; zero fields take the defaults.
	Budget Budget
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NoDNSSEC sends queries without the DO bit and asks no DS or DNSKEY:
	// nothing is validated.
	NoDNSSEC bool
	// TrustAnchors are the DS or DNSKEY records validation starts from.
	// Nil means the built-in IANA root keys with the built-in root hints,
	// the exchanger's own (TrustAnchorer) when it has some, and none
	// otherwise (the security state is then indeterminate).
	TrustAnchors []dns.RR
	// PTR looks up, after the walk, the PTR of each address of the zone's
	// hosts, and the addresses of the names it finds (--ptr).
	PTR bool
	// StragglerFloor is the least time a zone's silent servers get after
	// its first usable reply (default StragglerFloor). Tests on a loaded
	// machine raise it so that no reply of an instant simulation is cut.
	StragglerFloor time.Duration
}

// Budget is the level-of-effort limit of one run. The defaults follow what
// BIND and Unbound adopted after NXNSAttack, scaled for asking every server.
type Budget struct {
	Queries       int           // queries in the whole run (default 2000)
	GluelessDepth int           // nested NS-address lookups (default 4)
	NSPerZone     int           // NS names used per delegation (default 20, BIND's limit)
	NSResolved    int           // glueless NS names resolved per delegation (default 8)
	Addresses     int           // server addresses asked per zone cut (default 48; beyond it, a sample)
	Targets       int           // glueless NS address lookups per run (default 32, as Unbound's MAX_TARGET_COUNT bounds)
	CNAMEHops     int           // CNAMEs followed (default 16, BIND's limit)
	Steps         int           // zone cuts visited (default 200)
	PTR           int           // addresses whose PTR --ptr looks up (default 32)
	Deadline      time.Duration // wall clock for the run (default 60 s)
	// A zone transfer (ddx check) is cut beyond TransferRecords records
	// (default 20000, at most 65535), TransferBytes bytes (default 4 MiB)
	// or TransferTime in all (default 4 × Tries × Timeout).
	TransferRecords int
	TransferBytes   int
	TransferTime    time.Duration
}

// Hint is one root server: a name and its addresses.
type Hint struct {
	Name  string
	Addrs []netip.Addr
}

const (
	defaultTimeout  = 1500 * time.Millisecond
	defaultTries    = 2
	defaultInFlight = 32
	ednsBufSize     = 1232
)

// withDefaults returns a copy of c with every zero field filled in.
func (c Config) withDefaults() Config {
	if c.Roots == nil {
		c.Roots = RootHints()
		if c.TrustAnchors == nil {
			c.TrustAnchors = RootAnchors
		}
	}
	if c.Exchanger == nil {
		c.Exchanger = &NetExchanger{}
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.Tries <= 0 {
		c.Tries = defaultTries
	}
	if c.InFlight <= 0 {
		c.InFlight = defaultInFlight
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.StragglerFloor <= 0 {
		c.StragglerFloor = StragglerFloor
	}
	b := &c.Budget
	if b.Queries <= 0 {
		b.Queries = 2000
	}
	if b.GluelessDepth <= 0 {
		b.GluelessDepth = 4
	}
	if b.NSPerZone <= 0 {
		b.NSPerZone = 20
	}
	if b.NSResolved <= 0 {
		b.NSResolved = 8
	}
	if b.Addresses <= 0 {
		b.Addresses = 48
	}
	if b.Targets <= 0 {
		b.Targets = 32
	}
	if b.CNAMEHops <= 0 {
		b.CNAMEHops = 16
	}
	if b.Steps <= 0 {
		b.Steps = 200
	}
	if b.PTR <= 0 {
		b.PTR = 32
	}
	if b.Deadline <= 0 {
		b.Deadline = 60 * time.Second
	}
	if b.TransferRecords <= 0 {
		b.TransferRecords = defaultTransferRecords
	}
	b.TransferRecords = min(b.TransferRecords, maxTransferRecords)
	if b.TransferBytes <= 0 {
		b.TransferBytes = defaultTransferBytes
	}
	if b.TransferTime <= 0 {
		b.TransferTime = 4 * time.Duration(c.Tries) * c.Timeout
	}
	return c
}

func (c Config) familyOK(a netip.Addr) bool {
	if a.Is4() || a.Is4In6() {
		return !c.NoIPv4
	}
	return !c.NoIPv6
}

// addrTypes are the address types the run may use: A unless -6, AAAA
// unless -4.
func (c Config) addrTypes() []uint16 {
	var types []uint16
	if !c.NoIPv4 {
		types = append(types, dns.TypeA)
	}
	if !c.NoIPv6 {
		types = append(types, dns.TypeAAAA)
	}
	return types
}

func (c Config) port() uint16 {
	if c.Port != 0 {
		return c.Port
	}
	return 53
}
