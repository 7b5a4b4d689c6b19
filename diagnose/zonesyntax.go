package diagnose

import "fmt"

var ruleZoneSyntax = &Rule{
	ID: "zone-syntax", Severity: Error,
	Title: "the zone file cannot be loaded as written",
	Doc: "The zone file has a line a name server will not load: a parse error, relative names with no $ORIGIN to " +
		"complete them, an $INCLUDE that leaves the file's directory, a record without data, or a character-string " +
		"over 255 bytes (which some tools accept silently and servers reject). A server refuses the whole zone and " +
		"keeps serving the previous version, or nothing.",
	Fix:  "Correct the line named in the finding and check the file again before reloading the server.",
	Refs: []string{"RFC 1035 §5.1", "RFC 1035 §3.3"},
}

// zoneSyntax reports what reading the file found wrong.
func lintZoneSyntax(p *ZonePass) {
	for _, pr := range p.Zone.Problems {
		rec := &ZoneRecord{File: pr.File, Line: pr.Line}
		why := "A name server refuses to load a zone written like this, so it keeps serving the previous version of the zone, or none."
		if pr.Stopped {
			why += " ddx stopped reading here too: the checks that need the whole zone (SOA, glue, addresses of targets) did not run."
		}
		p.Report(rec, Finding{
			Summary:     pr.Message,
			Explanation: fmt.Sprintf("%s: %s. %s", recordAt(rec), pr.Message, why),
		})
	}
}

// where is a record's place in its file, for explanations.
func recordAt(r *ZoneRecord) string {
	if r.Line > 0 {
		return fmt.Sprintf("%s:%d", r.File, r.Line)
	}
	return r.File
}
