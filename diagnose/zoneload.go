package diagnose

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/miekg/dns"
)

// ZoneOptions say how to read a zone file.
type ZoneOptions struct {
	// File is the name findings give for the file. $INCLUDE paths are
	// resolved against its directory, inside Include.
	File string
	// Origin is the zone's apex when the file does not say (--origin).
	Origin string
	// Include holds the file's own directory, for $INCLUDE; nil refuses
	// $INCLUDE. A path that leaves it (absolute, or through ..) is refused
	// whatever Include would allow.
	Include fs.FS
	// Limits: at most MaxRecords records and MaxBytes bytes, included files
	// counted (defaults DefaultMaxRecords and DefaultMaxBytes).
	MaxRecords int
	MaxBytes   int64
}

// Default limits of ReadZone: a zone file over them is refused, not read in part.
const (
	DefaultMaxRecords = 2_000_000
	DefaultMaxBytes   = 1 << 30
)

// ErrZoneTooLarge is returned by ReadZone for a zone over its limits.
var ErrZoneTooLarge = errors.New("zone file too large")

// noTTL marks a record read with no TTL in effect.
const noTTL = 1<<31 - 2

// ErrBadOrigin is returned by ReadZone for an origin that is not a domain name.
var ErrBadOrigin = errors.New("the origin is not a domain name")

// errIncludeOutside refuses an $INCLUDE that leaves the file's directory.
var errIncludeOutside = errors.New("leaves the zone file's directory (refused)")

// ReadZone reads a zone file with miekg/dns's parser, streaming, and
// returns its content with every record's file and line. What is wrong
// with how the file is written (a parse error, a character-string over
// 255 bytes, a record without data) is in the content's Problems, never
// an error: the error is for r failing to read, or ErrZoneTooLarge.
func ReadZone(r io.Reader, o ZoneOptions) (*ZoneContent, error) {
	if o.MaxRecords <= 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.File == "" {
		o.File = "-"
	}
	st := &readState{max: o.MaxBytes, file: o.File, fsys: o.Include}
	// The parser sees the file by its base name, so that $INCLUDE paths
	// are relative to the root of Include (the file's directory).
	base := path.Base(strings.ReplaceAll(o.File, "\\", "/"))
	top := st.newReader(r, base, o.File)
	z := &ZoneContent{File: o.File}
	origin := ""
	if o.Origin != "" {
		origin = dns.Fqdn(o.Origin)
		if _, ok := dns.IsDomainName(origin); !ok {
			return nil, fmt.Errorf("%w: %q", ErrBadOrigin, o.Origin)
		}
	}
	zp := dns.NewZoneParser(top, origin, base)
	// A record with no TTL, and none before it, gets noTTL: then BIND uses
	// the SOA's minimum after an SOA, and rejects the zone before one.
	zp.SetDefaultTTL(noTTL)
	fallbackTTL, ttlReported := uint32(0), false
	if o.Include != nil {
		zp.SetIncludeAllowed(true)
		zp.SetIncludeFS(includeFS{st})
	}
	var firstOrigin string
	var firstSOA string
	var class uint16
	buf := make([]byte, dns.MaxMsgSize)
	// The parser and the reader that follows its lines run in their own
	// goroutine, a batch of records ahead of the checks and the index.
	type parsed struct {
		rr   dns.RR
		file string
		e    zoneEntry
	}
	batches := make(chan []parsed, 4)
	// Batches the checks are done with go back to the parser, rather
	// than a new one for every 1024 records.
	free := make(chan []parsed, 6)
	tooMany := false
	go func() {
		defer close(batches)
		batch := make([]parsed, 0, 1024)
		n := 0
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if n == 0 {
				firstOrigin = st.firstOrigin
			}
			if n >= o.MaxRecords {
				tooMany = true
				break
			}
			n++
			cur := st.last
			batch = append(batch, parsed{rr, cur.display, cur.recordEntry()})
			if len(batch) == cap(batch) {
				batches <- batch
				select {
				case batch = <-free:
				default:
					batch = make([]parsed, 0, 1024)
				}
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
	}()
	if n := sizeHint(r) / bytesPerRecord; n > 0 {
		z.Records = make([]ZoneRecord, 0, min(n, int64(o.MaxRecords)))
	}
	x := z.indexStart()
	for batch := range batches {
		for _, pr := range batch {
			rr, e := pr.rr, pr.e
			rec := ZoneRecord{RR: rr, File: pr.file, Line: e.start}
			if soa, ok := rr.(*dns.SOA); ok && fallbackTTL == 0 {
				fallbackTTL = soa.Minttl
			}
			if h := rr.Header(); h.Ttl == noTTL {
				if fallbackTTL == 0 && !ttlReported {
					ttlReported = true
					z.Problems = append(z.Problems, ZoneProblem{File: rec.File, Line: rec.Line, Message: "the record has no TTL and no $TTL comes before it: name servers reject the zone (add $TTL at the top of the file)"})
				}
				h.Ttl = cmp.Or(fallbackTTL, 3600)
			}
			z.Records = append(z.Records, rec)
			z.indexAdd(x, len(z.Records)-1)
			if soa, ok := rr.(*dns.SOA); ok && firstSOA == "" {
				firstSOA = soa.Hdr.Name
			}
			if len(z.Records) == 1 {
				class = rr.Header().Class
			} else if c := rr.Header().Class; c != class {
				z.Problems = append(z.Problems, ZoneProblem{File: rec.File, Line: rec.Line, Message: fmt.Sprintf("record of class %s in a zone of class %s", dns.Class(c), dns.Class(class))})
			}
			if msg := recordProblem(rr, e, buf); msg != "" {
				z.Problems = append(z.Problems, ZoneProblem{File: rec.File, Line: rec.Line, Message: msg})
			}
		}
		clear(batch) // the records are in z.Records: the batch must not keep them
		select {
		case free <- batch[:0]:
		default:
		}
	}
	if tooMany {
		return nil, fmt.Errorf("%w: more than %d records", ErrZoneTooLarge, o.MaxRecords)
	}
	if len(z.Records) == 0 {
		firstOrigin = st.firstOrigin
	}
	z.Complete = true
	if err := zp.Err(); err != nil {
		var rerr *readError
		switch {
		case errors.Is(err, ErrZoneTooLarge):
			return nil, fmt.Errorf("%w: more than %d bytes", ErrZoneTooLarge, o.MaxBytes)
		case errors.As(err, &rerr) && rerr.top:
			return nil, rerr.err
		}
		z.Complete = false
		pr := st.parseProblem(err, origin)
		pr.Stopped = true
		z.Problems = append(z.Problems, pr)
	}
	switch {
	case origin != "":
	case firstOrigin != "" && firstOrigin != "." && firstOrigin != "-":
		origin = firstOrigin
	case firstOrigin == "." && len(z.rrsOf(".", dns.TypeSOA)) > 0:
		origin = "."
	case firstSOA != "":
		origin = firstSOA
	case firstOrigin == ".":
		origin = "."
	}
	z.Origin = lowerName(origin)
	z.indexFinish(x)
	z.shareTargets()
	return z, nil
}

// shareTargets points the targets that name an owner of the zone, written
// alike, at the owner's name: the parser gives each its own copy.
func (z *ZoneContent) shareTargets() {
	for i := range z.Records {
		switch rr := z.Records[i].RR.(type) {
		case *dns.NS:
			z.shareName(&rr.Ns)
		case *dns.MX:
			z.shareName(&rr.Mx)
		case *dns.SRV:
			z.shareName(&rr.Target)
		case *dns.CNAME:
			z.shareName(&rr.Target)
		case *dns.PTR:
			z.shareName(&rr.Ptr)
		}
	}
}

func (z *ZoneContent) shareName(s *string) {
	if o, ok := z.byName[*s]; ok && z.owners[o].name == *s {
		*s = z.owners[o].name
	}
}

// bytesPerRecord is about how many bytes a record takes in a zone file
// (the bench's generated zone has 32; a little less here, since an
// estimate a little short costs a quarter more room, and one a little
// long only the difference): a file's size says about how many records
// to make room for, rather than growing the list a million times.
const bytesPerRecord = 28

// sizeHint is the size of the file r reads, when it tells; 0 otherwise.
func sizeHint(r io.Reader) int64 {
	switch f := r.(type) {
	case interface{ Size() int64 }: // bytes.Reader, strings.Reader
		return f.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return 0
}

// rrsOf finds records before the index is built.
func (z *ZoneContent) rrsOf(name string, t uint16) []ZoneRecord {
	var out []ZoneRecord
	for _, r := range z.Records {
		if r.RR.Header().Rrtype == t && strings.EqualFold(r.RR.Header().Name, name) {
			out = append(out, r)
		}
	}
	return out
}

// recordProblem is what miekg/dns accepts but a server would not load: a
// record without data, a character-string over 255 bytes (the parser
// splits TXT strings silently), a record that does not pack.
func recordProblem(rr dns.RR, e zoneEntry, buf []byte) string {
	h := rr.Header()
	switch h.Rrtype {
	case dns.TypeTXT, dns.TypeSPF, dns.TypeHINFO, dns.TypeAVC:
		if n := max(e.maxQuoted, e.maxBare); n > 255 {
			return fmt.Sprintf("%s record with a character-string of %d bytes: at most 255 are allowed (split it into several quoted strings)", dns.TypeToString[h.Rrtype], n)
		}
	}
	if h.Rrtype == dns.TypeHINFO && e.hinfo > 0 && e.tokens-e.hinfo < 2 {
		return "HINFO record with one field: it needs two character-strings, CPU and OS (RFC 1537 §9)"
	}
	if ds, ok := rr.(*dns.DS); ok {
		if want := dsDigestLen[ds.DigestType]; want > 0 && len(ds.Digest) != 2*want {
			return fmt.Sprintf("DS record with a digest of %d hex digits: digest type %d has %d", len(ds.Digest), ds.DigestType, 2*want)
		}
	}
	// The common types need no encoding to tell: empty data is the only
	// thing the parser lets through.
	empty := false
	switch rr := rr.(type) {
	case *dns.A:
		empty = rr.A == nil
	case *dns.AAAA:
		empty = rr.AAAA == nil
	case *dns.NS:
		empty = rr.Ns == ""
	case *dns.CNAME:
		empty = rr.Target == ""
	case *dns.PTR:
		empty = rr.Ptr == ""
	case *dns.MX:
		empty = rr.Mx == ""
	case *dns.SRV:
		empty = rr.Target == ""
	case *dns.TXT:
		empty = len(rr.Txt) == 0
	default:
		return packProblem(rr, buf)
	}
	if empty {
		return rrTypeName(h.Rrtype) + " record has no data"
	}
	return ""
}

// packProblem is what encoding rr finds wrong: data the parser accepted
// that does not fit the wire, or no data at all.
func packProblem(rr dns.RR, buf []byte) string {
	h := rr.Header()
	off, err := dns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		return fmt.Sprintf("%s record cannot be encoded: %v", rrTypeName(h.Rrtype), strings.TrimPrefix(err.Error(), "dns: "))
	}
	_, n, err := dns.UnpackDomainName(buf[:off], 0)
	if err == nil && off-n == 10 {
		if _, generic := rr.(*dns.RFC3597); !generic && h.Rrtype != dns.TypeAPL {
			return fmt.Sprintf("%s record has no data", rrTypeName(h.Rrtype))
		}
	}
	return ""
}

// dsDigestLen is the length of a DS digest by digest type, in bytes.
var dsDigestLen = map[uint8]int{dns.SHA1: 20, dns.SHA256: 32, dns.SHA384: 48}

func rrTypeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", t)
}
