package main

import (
	"bytes"
	"flag"
	"regexp"
	"strings"
	"testing"
)

// TestHelpListsEveryFlag runs the parsing with --help, -h and -help: each
// prints the usage on stdout and exits 0 without running; the usage names
// every flag registered, each with the LEDGER_* variable it falls back to
// (checked by setting that variable alone and seeing the flag take it)
// and its default.
func TestHelpListsEveryFlag(t *testing.T) {
	none := func(string) string { return "" }
	entry := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)(\[=true\|false\])?\n {6}\S.*\n {6}env (\S*), (default \S.*|no default)$`)
	for _, arg := range []string{"--help", "-h", "-help"} {
		var stdout, stderr bytes.Buffer
		_, exit, run := configure([]string{arg}, none, &stdout, &stderr)
		if exit != 0 || run || stderr.Len() > 0 {
			t.Fatalf("%s: exit %d, run %v, stderr %q; want exit 0, no run, nothing on stderr", arg, exit, run, stderr.String())
		}
		help := stdout.String()
		if !strings.HasPrefix(help, "Usage: ledgerd [flags]\n") || !strings.Contains(help, "LEDGER_JWT_SECRET") {
			t.Errorf("%s: the usage line or the environment-only variables are missing:\n%s", arg, help)
		}
		listed := map[string]string{} // flag: its variable
		for _, m := range entry.FindAllStringSubmatch(help, -1) {
			listed[m[1]] = m[3]
		}
		n := 0
		newFlagSet(&Config{}, &flagText{}, none).VisitAll(func(f *flag.Flag) {
			n++
			env, ok := listed[f.Name]
			switch {
			case !ok:
				t.Errorf("%s: --%s is registered but not listed with its variable and default", arg, f.Name)
				return
			case !strings.HasPrefix(env, "LEDGER_"):
				t.Errorf("%s: --%s is listed with variable %q, not a LEDGER_* one", arg, f.Name, env)
				return
			}
			// The variable listed is the one the flag reads.
			only := func(name string) string {
				if name == env {
					return "from-the-environment"
				}
				return ""
			}
			if got := newFlagSet(&Config{}, &flagText{}, only).Lookup(f.Name).DefValue; got != "from-the-environment" {
				t.Errorf("%s: --%s is listed with %s, but setting it alone gives the flag %q", arg, f.Name, env, got)
			}
			if !strings.Contains(help, "  --"+f.Name) || f.Usage == "" {
				t.Errorf("%s: --%s has no description", arg, f.Name)
			}
		})
		if n < 30 || len(listed) != n {
			t.Errorf("%s: %d flags registered, %d listed", arg, n, len(listed))
		}
	}
}

// TestBadFlagPointsToHelp: a flag ledgerd does not know exits 2, saying
// why and where the flags are listed.
func TestBadFlagPointsToHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	_, exit, run := configure([]string{"--no-such-flag"}, func(string) string { return "" }, &stdout, &stderr)
	if exit != 2 || run || stdout.Len() > 0 || !strings.Contains(stderr.String(), "no-such-flag") || !strings.Contains(stderr.String(), "--help") {
		t.Errorf("exit %d, run %v, stdout %q, stderr %q; want exit 2 naming the flag and --help on stderr", exit, run, stdout.String(), stderr.String())
	}
}
