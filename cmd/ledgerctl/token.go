package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/cxzy/ledger/api"
)

// minSecret is the shortest signing secret accepted: HS256 wants at least
// as many bytes as the hash.
const minSecret = 32

// token mints a development token signed with LEDGER_JWT_SECRET, the key
// a local ledgerd verifies with.
func (e env) token(args []string) int {
	fs := e.flags("token")
	subject := fs.String("subject", "", "the principal's id, recorded as the actor of its commands (required)")
	roles := fs.String("role", "", "roles, comma-separated: "+fmt.Sprint(api.Roles)+" (required)")
	scope := fs.String("scope", "", "units, comma-separated, whose subtrees the principal acts in")
	group := fs.String("group", "", "the inspection group whose assignment the principal acts in")
	ttl := fs.Duration("ttl", api.DefaultMaxLifetime, "how long the token is valid; ledgerd refuses tokens valid longer than its --jwt-max-lifetime (12h by default)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	secret := e.getenv("LEDGER_JWT_SECRET")
	switch {
	case *subject == "":
		fmt.Fprintln(e.stderr, "ledgerctl token: --subject is required")
		return exitUsage
	case *roles == "":
		fmt.Fprintln(e.stderr, "ledgerctl token: --role is required")
		return exitUsage
	case len(secret) < minSecret:
		fmt.Fprintf(e.stderr, "ledgerctl token: LEDGER_JWT_SECRET must hold at least %d bytes (the key ledgerd verifies tokens with)\n", minSecret)
		return exitUsage
	case *ttl <= 0:
		fmt.Fprintln(e.stderr, "ledgerctl token: --ttl must be positive")
		return exitUsage
	}
	if *ttl > api.DefaultMaxLifetime {
		// Minted all the same: a ledgerd may allow more.
		fmt.Fprintf(e.stderr, "ledgerctl token: warning: a ledgerd with the default --jwt-max-lifetime refuses tokens valid longer than %s\n", api.DefaultMaxLifetime)
	}
	p := api.Principal{Subject: *subject, Group: *group}
	for _, r := range strings.Split(*roles, ",") {
		role, err := api.ParseRole(strings.TrimSpace(r))
		if err != nil {
			fmt.Fprintln(e.stderr, "ledgerctl token: --role:", err)
			return exitUsage
		}
		p.Roles = append(p.Roles, role)
	}
	if *scope != "" {
		for _, u := range strings.Split(*scope, ",") {
			p.Units = append(p.Units, strings.TrimSpace(u))
		}
	}
	tok, err := api.HS256{Key: []byte(secret)}.Mint(p, *ttl, time.Now())
	if err != nil {
		return e.fail("token: %v", err)
	}
	fmt.Fprintln(e.stdout, tok)
	return exitOK
}
