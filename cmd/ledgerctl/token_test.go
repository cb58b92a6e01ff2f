package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cxzy/ledger/api"
)

func TestToken(t *testing.T) {
	secret := strings.Repeat("k", 40)
	env := func(k string) string {
		if k == "LEDGER_JWT_SECRET" {
			return secret
		}
		return ""
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"token", "--subject", "clerk-u0012", "--role", "clerk,superior", "--scope", "u0012,u0013"}, &out, &errOut, env)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	p, err := api.HS256{Key: []byte(secret)}.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("the minted token does not verify with the same secret: %v", err)
	}
	if p.Subject != "clerk-u0012" || !p.Has(api.RoleClerk) || !p.Has(api.RoleSuperior) || len(p.Units) != 2 || p.Units[1] != "u0013" {
		t.Errorf("principal = %+v", p)
	}

	tests := []struct {
		name string
		args []string
		env  func(string) string
	}{
		{"no subject", []string{"token", "--role", "clerk"}, env},
		{"no role", []string{"token", "--subject", "x"}, env},
		{"unknown role", []string{"token", "--subject", "x", "--role", "root"}, env},
		{"no secret", []string{"token", "--subject", "x", "--role", "clerk"}, func(string) string { return "" }},
		{"short secret", []string{"token", "--subject", "x", "--role", "clerk"}, func(string) string { return "short" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o, e bytes.Buffer
			if code := run(context.Background(), tt.args, &o, &e, tt.env); code != exitUsage || o.Len() != 0 || e.Len() == 0 {
				t.Errorf("exit %d, stdout %q, stderr %q: want a usage error and no token", code, o.String(), e.String())
			}
		})
	}
}
