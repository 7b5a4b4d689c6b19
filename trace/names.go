package trace

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrBadName means the name to trace is not a valid domain name.
var ErrBadName = errors.New("invalid domain name")

// idnaLookup maps and validates a Unicode label as resolvers' IDNA
// lookups do (UTS #46, non-transitional), but leaves underscores to the
// check below: _dmarc and _sip labels are names people trace.
var idnaLookup = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.BidiRule())

// ParseName is the one parser for a name a user typed, at every entry
// point. It applies IDNA to labels that are not ASCII, accepts only
// letters, digits, hyphens and underscores after it (saying which
// character is wrong and where), lowercases ASCII, and returns the FQDN
// with its Unicode form when that differs. A trailing dot and the root
// "." are accepted.
func ParseName(input string) (fqdn, unicodeForm string, err error) {
	if input == "" {
		return "", "", fmt.Errorf("%w: empty name", ErrBadName)
	}
	if input == "." {
		return ".", "", nil
	}
	if !utf8.ValidString(input) {
		i := 0
		for i < len(input) {
			r, size := utf8.DecodeRuneInString(input[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return "", "", fmt.Errorf("%w: byte 0x%02x at position %d is not valid UTF-8", ErrBadName, input[i], utf8.RuneCountInString(input[:i])+1)
	}
	labels := strings.Split(strings.TrimSuffix(input, "."), ".")
	pos := 1 // position of the label's first character in input, in characters
	idn := false
	for i, label := range labels {
		if label == "" {
			return "", "", fmt.Errorf("%w: empty label at position %d of %q", ErrBadName, pos, input)
		}
		ascii := true
		for j := 0; j < len(label); j++ {
			ascii = ascii && label[j] < utf8.RuneSelf
		}
		if !ascii {
			a, err := idnaLookup.ToASCII(label)
			if err != nil {
				return "", "", badRune(input, label, pos, err)
			}
			label, idn = a, true
		}
		for j := 0; j < len(label); j++ {
			if c := label[j]; !nameByte(c) {
				if !ascii {
					return "", "", badRune(input, labels[i], pos, fmt.Errorf("it becomes %q", label))
				}
				return "", "", fmt.Errorf("%w: character %q at position %d of %q is not a letter, digit, hyphen or underscore", ErrBadName, rune(c), pos+j, input)
			}
		}
		if len(label) > 63 {
			return "", "", fmt.Errorf("%w: label %q is longer than 63 characters", ErrBadName, labels[i])
		}
		pos += utf8.RuneCountInString(labels[i]) + 1
		labels[i] = lowerASCII(label)
	}
	fqdn = strings.Join(labels, ".") + "."
	if len(fqdn) > 254 {
		return "", "", fmt.Errorf("%w: %q is longer than 253 characters", ErrBadName, input)
	}
	if idn || strings.Contains(fqdn, "xn--") {
		if u, err := idna.Display.ToUnicode(strings.TrimSuffix(fqdn, ".")); err == nil && u+"." != fqdn {
			unicodeForm = u + "."
		}
	}
	return fqdn, unicodeForm, nil
}

// CanonicalName is ParseName without the Unicode form.
func CanonicalName(name string) (string, error) {
	fq, _, err := ParseName(name)
	return fq, err
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// badRune explains why IDNA refused a label, naming the first character
// that cannot be in a name when there is one.
func badRune(input, label string, pos int, err error) error {
	i := 0
	for _, r := range label {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) || r == '-' || r == '_') {
			return fmt.Errorf("%w: character %q at position %d of %q is not a letter, digit, hyphen or underscore", ErrBadName, r, pos+i, input)
		}
		i++
	}
	return fmt.Errorf("%w: label %q of %q is not a valid internationalised label: %v", ErrBadName, label, input, err)
}
