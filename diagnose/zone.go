package diagnose

import "strings"

// ForZone keeps the findings about zone (and the delegation to it).
func ForZone(fs []Finding, zone string) []Finding {
	out := []Finding{}
	for _, f := range fs {
		if strings.EqualFold(f.Zone, zone) {
			out = append(out, f)
		}
	}
	return out
}
