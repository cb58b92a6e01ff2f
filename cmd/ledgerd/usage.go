package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageHead is what ledgerd --help says before the flags.
const usageHead = `Usage: ledgerd [flags]

ledgerd is the service of the cxzy ledger, the event-sourced audit ledger of
the 创先争优 campaign: it opens the event log (embedded, or KurrentDB), serves
the HTTP API (commands, dashboard views, audit history, verifiable history,
evidence files; the OpenAPI document at /openapi.json) and, unless told not
to, follows the log into ClickHouse, records missed rectification deadlines,
signs checkpoints and collects evidence files nobody cited.

Every flag may be given by its environment variable instead; a flag on the
command line wins. Environment only (never a flag, so never in a process
listing):
  LEDGER_JWT_SECRET   verify HS256 bearer tokens with this secret (at least 32 bytes)
  LEDGER_SEAL_KEY     the checkpoint signing key itself (else --seal-key-file)

Flags:
`

// envMark prefixes the default Usage gets from an environment variable:
// registered with a getenv that answers envMark+name, each flag's default
// names the variable the flag falls back to.
const envMark = "\x00env:"

// Usage is ledgerd --help: what ledgerd is, then every flag with its
// environment variable and built-in default.
func Usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	defaults := newFlagSet(&Config{}, &flagText{}, func(string) string { return "" })
	envs := newFlagSet(&Config{}, &flagText{}, func(name string) string { return envMark + name })
	defaults.VisitAll(func(f *flag.Flag) {
		name := "--" + f.Name
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			name += "[=true|false]"
		}
		def := "no default"
		if f.DefValue != "" {
			def = "default " + f.DefValue
		}
		fmt.Fprintf(&b, "  %s\n      %s\n      env %s, %s\n", name, f.Usage, flagEnv(envs, f.Name), def)
	})
	return b.String()
}

// flagEnv is the environment variable flag name falls back to, or "" if it
// has none.
func flagEnv(envs *flag.FlagSet, name string) string {
	f := envs.Lookup(name)
	if f == nil || !strings.HasPrefix(f.DefValue, envMark) {
		return ""
	}
	return strings.TrimPrefix(f.DefValue, envMark)
}

// configure reads the configuration from the command line and the
// environment. For -h, -help or --help it prints Usage on stdout and says
// to exit 0 without running; for a bad flag or value it says why on stderr
// and to exit 2.
func configure(args []string, getenv func(string) string, stdout, stderr io.Writer) (cfg Config, exit int, run bool) {
	cfg, err := ParseConfig(args, getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, Usage())
		return cfg, 0, false
	case err != nil:
		fmt.Fprintln(stderr, "ledgerd:", err)
		fmt.Fprintln(stderr, "ledgerd --help lists the flags and their environment variables.")
		return cfg, 2, false
	}
	return cfg, 0, true
}
