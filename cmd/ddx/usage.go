package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// A command of the CLI, for the usage text. The flags each command takes
// come from its flag set, so the text cannot drift from the code.
type command struct {
	name, synopsis, summary string
}

var commands = []command{
	{"demo", "ddx demo [NAME [TYPE]]", "explore the built-in demo universe (no network)"},
	{"trace", "ddx trace NAME [TYPE]", "trace NAME from the root, asking every server (also: ddx NAME [TYPE])"},
	{"check", "ddx check ZONE", "health-check a zone: delegation, servers, content"},
	{"compare", "ddx compare NAME [TYPE] @R1 @R2...", "ask resolvers side by side and explain the differences with a trace; @ADDR[:PORT], @tls://ADDR[:PORT] (DoT), @https://HOST/PATH (DoH) (no @: /etc/resolv.conf, or with --demo the demo's resolvers; also: ddx NAME [TYPE] @RESOLVER)"},
	{"show", "ddx show FILE.json", "explore or print a trace saved with -o json, diagnosed afresh"},
	{"lint", "ddx lint FILE", "check a zone file offline: syntax, SOA, glue, targets, names (--origin NAME without $ORIGIN)"},
	{"explain", "ddx explain [ID]", "what a finding means and how to fix it; all of them without an ID"},
	{"help", "ddx help [COMMAND]", "this text, or one command's flags"},
}

const exitText = `Exit codes: 0 resolved, nothing at error or above; 1 findings at error or
above, or the answer depends on the server asked; 2 usage error; 3 the name
did not resolve (or no resolver answered); 4 incomplete: a budget ran out;
130 interrupted.
`

// writeUsage writes the whole usage text: the commands, then the flags of
// the tracing commands.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "ddx: a DNS debugger. Why doesn't this name resolve?\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-36s %s\n", c.synopsis, c.summary)
	}
	fmt.Fprint(w, "\nFlags of demo, trace, check, compare and show:\n")
	writeFlags(w, newFlagSet("trace", &options{}, io.Discard))
	fmt.Fprint(w, "\nFlags of check and trace:\n")
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	ptrFlag(new(bool))(fs)
	writeFlags(w, fs)
	fmt.Fprint(w, "\nFlags of compare, for asking resolvers:\n")
	fs = flag.NewFlagSet("compare", flag.ContinueOnError)
	new(resolverFlags).register(fs)
	writeFlags(w, fs)
	fmt.Fprint(w, "\n"+exitText)
}

// writeCommandUsage writes one command's synopsis and flags (ddx CMD --help).
func writeCommandUsage(w io.Writer, fs *flag.FlagSet) {
	for _, c := range commands {
		if c.name == fs.Name() {
			fmt.Fprintf(w, "Usage: %s\n\n%s.\n\n", c.synopsis, strings.ToUpper(c.summary[:1])+c.summary[1:])
		}
	}
	fmt.Fprint(w, "Flags:\n")
	writeFlags(w, fs)
	fmt.Fprint(w, "\n"+exitText)
}

func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		name := dash + f.Name
		if arg != "" && arg != "value" {
			name += " " + arg
		} else if arg == "value" {
			name += " V"
		}
		if def := f.DefValue; def != "" && def != "false" && def != "0" && def != "0s" {
			text += " (default " + def + ")"
		}
		fmt.Fprintf(w, "  %-24s %s\n", name, text)
	})
}

// helpRequest is returned by parse for -h or --help: run prints the flags
// of the command whose flag set it carries.
type helpRequest struct{ fs *flag.FlagSet }

func (helpRequest) Error() string { return "help requested" }
