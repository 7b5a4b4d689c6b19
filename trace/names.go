package trace

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// ErrBadName means the name to trace is not a valid domain name.
var ErrBadName = errors.New("invalid domain name")

// CanonicalName checks a presentation-format name and returns it as a
// lower-case FQDN.
func CanonicalName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty name", ErrBadName)
	}
	fq := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(fq); !ok || strings.Contains(fq, "..") && fq != "." {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	if l := len(fq); l > 254 {
		return "", fmt.Errorf("%w: %q is longer than 253 characters", ErrBadName, name)
	}
	for _, label := range dns.SplitDomainName(fq) {
		if len(label) > 63 {
			return "", fmt.Errorf("%w: label %q is longer than 63 characters", ErrBadName, label)
		}
	}
	return strings.ToLower(fq), nil
}
