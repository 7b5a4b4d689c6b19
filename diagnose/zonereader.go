package diagnose

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// readState is shared by the readers of one zone file and its includes.
type readState struct {
	max, n      int64
	file        string // the top file's display name
	fsys        fs.FS
	last        *lineReader // the reader the parser read from last
	firstOrigin string      // the first $ORIGIN's name, as written
}

// readError is a failure to read, not a problem of the file's text.
type readError struct {
	top bool
	err error
}

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func (st *readState) newReader(r io.Reader, fsPath, display string) *lineReader {
	lr := &lineReader{r: r, buf: make([]byte, 64<<10), st: st, fsPath: fsPath, display: display, line: 1, top: st.last == nil, bol: true}
	if st.last == nil {
		st.last = lr
	}
	return lr
}

// display is how findings name a file the parser knows by its path
// inside Include.
func (st *readState) display(p string) string {
	return path.Join(path.Dir(strings.ReplaceAll(st.file, "\\", "/")), p)
}

// An entry is one record or directive as written: from its first
// significant character to the newline outside parentheses that ends it.
type zoneEntry struct {
	start              int  // its first line; 0 before a significant character
	indented           bool // it starts with a blank: no owner
	maxQuoted, maxBare int  // its longest quoted and unquoted strings, in bytes
	tokens             int  // how many strings it has
	hinfo              int  // 1 + the index of its HINFO type token; 0 for none
}

// lineReader feeds the zone parser one byte at a time (miekg/dns then
// uses it directly, with no read-ahead) and follows the master-file
// syntax alongside, to know which line each record starts on: the parser
// reports lines only for its errors.
type lineReader struct {
	r        io.Reader
	buf      []byte // what was read from r; buf[pos:end] is still to go
	pos, end int
	err      error // r's error, once buf is done
	st       *readState
	fsPath   string // the path inside Include ("" for the top file)
	display  string
	top      bool
	closer   io.Closer

	line    int
	nl      bool // the previous byte was a newline: the next one is on the next line
	quote   bool
	comment bool
	esc     int // 0, or 1 after a backslash, 2-3 inside \DDD
	depth   int
	tok     int  // length of the current string so far
	inTok   bool // inside a string
	bol     bool // at the beginning of a line
	head    [5]byte
	headN   int // the first bytes of the current string, upper case, and its length
	cur     zoneEntry
	prev    zoneEntry // the last complete entry
	// The words of a directive entry ($ORIGIN, $INCLUDE), as written.
	dir   []string
	dirOn bool
	word  []byte
}

func (lr *lineReader) ReadByte() (byte, error) {
	if lr.st.n >= lr.st.max {
		return 0, ErrZoneTooLarge
	}
	if lr.pos >= lr.end {
		if err := lr.fill(); err != nil {
			if err != io.EOF {
				err = &readError{top: lr.top, err: err}
			}
			return 0, err
		}
	}
	c := lr.buf[lr.pos]
	lr.pos++
	lr.st.n++
	if lr.st.last != lr { // a store per byte costs a write barrier while the GC runs
		lr.st.last = lr
	}
	if lr.nl {
		lr.line++
		lr.nl = false
	}
	lr.scan(c)
	return c, nil
}

// fill reads more of the file into buf. The reader keeps its own buffer
// rather than a bufio.Reader: ReadByte runs for every byte of the zone.
func (lr *lineReader) fill() error {
	for empty := 0; lr.pos >= lr.end; empty++ {
		if lr.err != nil {
			return lr.err
		}
		if empty == 100 {
			return io.ErrNoProgress
		}
		n, err := lr.r.Read(lr.buf)
		lr.pos, lr.end, lr.err = 0, max(0, min(n, len(lr.buf))), err
	}
	return nil
}

func (lr *lineReader) Read(p []byte) (int, error) {
	for i := range p {
		c, err := lr.ReadByte()
		if err != nil {
			return i, err
		}
		p[i] = c
	}
	return len(p), nil
}

func (lr *lineReader) Stat() (fs.FileInfo, error) { return nil, errors.New("no stat") }

func (lr *lineReader) Close() error {
	if lr.closer != nil {
		return lr.closer.Close()
	}
	return nil
}

// scan follows the lexical structure of a master file (RFC 1035 §5.1, as
// miekg/dns reads it): comments, quotes, escapes, parentheses.
func (lr *lineReader) scan(c byte) {
	lr.scanByte(c)
	lr.bol = c == '\n'
}

func (lr *lineReader) scanByte(c byte) {
	if c == '\n' {
		lr.nl = true
	}
	if lr.comment {
		if c == '\n' {
			lr.comment = false
			lr.endToken()
			if lr.depth == 0 {
				lr.endEntry()
			}
		}
		return
	}
	if c == '\n' {
		lr.esc = 0
	}
	if lr.esc > 0 {
		digit := c >= '0' && c <= '9'
		switch {
		case lr.esc == 1:
			lr.tok++ // the escaped byte, or \DDD's byte
			lr.addWord(c)
			lr.esc = 0
			if digit {
				lr.esc = 2
			}
			return
		case digit && lr.esc == 2:
			lr.esc = 3
			lr.addWord(c)
			return
		case digit && lr.esc == 3:
			lr.esc = 0
			lr.addWord(c)
			return
		}
		lr.esc = 0 // not part of the escape after all
	}
	if lr.quote {
		switch c {
		case '"':
			lr.quote = false
			lr.cur.maxQuoted = max(lr.cur.maxQuoted, lr.tok)
			lr.cur.tokens++
			lr.tok, lr.inTok = 0, false
		case '\\':
			lr.esc = 1
		default:
			lr.tok++
			lr.addWord(c)
		}
		return
	}
	switch c {
	case ';':
		lr.endToken()
		lr.comment = true
	case '\n':
		lr.endToken()
		if lr.depth == 0 {
			lr.endEntry()
		}
	case ' ', '\t', '\r':
		lr.endToken()
	case '(':
		lr.endToken()
		lr.depth++
		lr.significant()
	case ')':
		lr.endToken()
		lr.depth = max(0, lr.depth-1)
	case '"':
		lr.endToken()
		lr.significant()
		lr.quote, lr.tok = true, 0
	default:
		if lr.cur.start == 0 && c == '$' {
			lr.dirOn, lr.dir = true, lr.dir[:0]
		}
		lr.significant()
		if c == '\\' {
			lr.esc = 1
			lr.inTok = true
			lr.addWord(c)
			return
		}
		lr.inTok = true
		lr.tok++
		if lr.headN < len(lr.head) {
			lr.head[lr.headN] = c &^ 0x20 // upper case, for letters
		}
		lr.headN++
		lr.addWord(c)
	}
}

func (lr *lineReader) significant() {
	if lr.cur.start == 0 {
		lr.cur.start = lr.line
		lr.cur.indented = !lr.bol
	}
}

func (lr *lineReader) addWord(c byte) {
	if lr.dirOn && len(lr.word) < 4096 {
		lr.word = append(lr.word, c)
	}
}

func (lr *lineReader) endToken() {
	if lr.inTok {
		lr.cur.maxBare = max(lr.cur.maxBare, lr.tok)
		// The type token HINFO: never the owner (the first string of an
		// entry that does not start with a blank).
		if lr.headN == 5 && string(lr.head[:]) == "HINFO" && lr.cur.hinfo == 0 && (lr.cur.tokens > 0 || lr.cur.indented) {
			lr.cur.hinfo = lr.cur.tokens + 1
		}
		lr.cur.tokens++
	}
	lr.headN = 0
	lr.tok, lr.inTok = 0, false
	if lr.dirOn && len(lr.word) > 0 {
		if len(lr.dir) < 3 {
			lr.dir = append(lr.dir, string(lr.word))
		}
		lr.word = lr.word[:0]
		if len(lr.dir) == 2 && strings.EqualFold(lr.dir[0], "$ORIGIN") && lr.st.firstOrigin == "" {
			lr.st.firstOrigin = lr.dir[1]
			if !dns.IsFqdn(lr.dir[1]) {
				lr.st.firstOrigin = "-" // relative: the parser resolves it, or says it cannot
			}
		}
	}
}

func (lr *lineReader) endEntry() {
	if lr.cur.start != 0 {
		lr.prev = lr.cur
	}
	lr.cur = zoneEntry{}
	lr.dirOn = false
}

// recordEntry is the entry of the record the parser has just returned:
// the one in progress (a record at the end of the file, with no newline),
// or the last complete one.
func (lr *lineReader) recordEntry() zoneEntry {
	if lr.cur.start != 0 {
		return lr.cur
	}
	return lr.prev
}

// includeWord is the path the last $INCLUDE of this reader names, as written.
func (lr *lineReader) includeWord() (string, bool) {
	if len(lr.dir) >= 2 && strings.EqualFold(lr.dir[0], "$INCLUDE") {
		return lr.dir[1], true
	}
	return "", false
}

// includeFS opens $INCLUDE files for the parser, and refuses any that
// leave the zone file's directory.
type includeFS struct{ st *readState }

func (f includeFS) Open(name string) (fs.File, error) {
	from := f.st.last
	word, ok := from.includeWord()
	want := ""
	if ok && !path.IsAbs(word) && !strings.Contains(word, "\\") {
		want = strings.TrimLeft(path.Clean(path.Join(path.Dir(from.fsPath), word)), "/")
	}
	if want == "" || want != name || !fs.ValidPath(name) || name == "." {
		return nil, errIncludeOutside
	}
	file, err := f.st.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := file.Stat(); err == nil && fi.IsDir() {
		file.Close()
		return nil, errors.New("is a directory")
	}
	lr := f.st.newReader(file, name, f.st.display(name))
	lr.closer = file
	return lr, nil
}

// badField is miekg/dns's message for rdata it cannot read: "bad A A",
// "bad MX Mx".
var badField = regexp.MustCompile(`^bad ([A-Z0-9]+) [A-Za-z]+$`)

var parseErrorText = regexp.MustCompile(`^dns: (.*): ("(?:[^"\\]|\\.)*") at line: (\d+):(\d+)$`)

// parseProblem turns the parser's error into a zone-syntax problem, with
// plainer words where miekg/dns's are terse.
func (st *readState) parseProblem(err error, origin string) ZoneProblem {
	p := ZoneProblem{File: st.last.display, Line: st.last.line}
	text := err.Error()
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		p.Message = "cannot read: " + text
		return p
	}
	// The parser names the file as it knows it (its base name, or an
	// include's path inside Include): the reader knows it better.
	if i := strings.Index(text, "dns: "); i >= 0 {
		text = text[i:]
	}
	m := parseErrorText.FindStringSubmatch(text)
	if m == nil {
		p.Message = strings.TrimPrefix(text, "dns: ")
		return p
	}
	if line, err := strconv.Atoi(m[3]); err == nil && line > 0 {
		p.Line = line
	}
	if errors.Is(err, errIncludeOutside) {
		word, _ := st.last.includeWord()
		p.Message = fmt.Sprintf("$INCLUDE %s leaves the zone file's directory: refused", word)
		return p
	}
	msg, token := m[1], m[2]
	if tok, err := strconv.Unquote(m[2]); err == nil {
		token = tok
	}
	if line, err := strconv.Atoi(m[3]); err == nil && line > 0 {
		p.Line = line
	}
	switch {
	case origin == "" && st.firstOrigin == "" && strings.HasPrefix(msg, "bad ") && (token == "@" || !strings.HasSuffix(token, ".")) && token != "":
		p.Message = fmt.Sprintf("%q is a relative name, and nothing says what it is relative to: add $ORIGIN to the file or give --origin", token)
	case msg == "unexpected newline":
		p.Message = "the record ends before its data"
	case strings.HasPrefix(msg, "$INCLUDE directive not allowed"):
		p.Message = "$INCLUDE is not allowed when reading from standard input"
	case strings.HasPrefix(msg, "failed to open"):
		p.Message = "$INCLUDE: " + msg
	case badField.MatchString(msg) && strings.TrimSpace(token) == "":
		p.Message = fmt.Sprintf("bad %s record: its data ends too early (a missing field, or an unclosed quote or parenthesis)", badField.FindStringSubmatch(msg)[1])
	case badField.MatchString(msg):
		p.Message = fmt.Sprintf("bad %s record: cannot read %q", badField.FindStringSubmatch(msg)[1], token)
	case strings.HasPrefix(msg, "expecting $TTL value"):
		p.Message = fmt.Sprintf("$TTL %q is not a TTL", token)
	case strings.HasPrefix(msg, "expecting ") && strings.TrimSpace(token) != "":
		p.Message = fmt.Sprintf("%q is not a TTL, class or record type (%s)", token, strings.TrimSuffix(msg, ", not this..."))
	case token == "" || token == "\n":
		p.Message = msg
	default:
		p.Message = fmt.Sprintf("%s: %q", msg, token)
	}
	return p
}
