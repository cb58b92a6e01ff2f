package command_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/commandkey"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

func keyedSetup(t *testing.T) (*command.Handler, *embedded.Store) {
	t.Helper()
	log, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	return command.NewHandler(log, keyRegistry(t), command.WithClock(func() time.Time { return ledgerNow })), log
}

func keyed(id, fingerprint string) command.Command {
	c := cmd(id)
	c.Fingerprint = fingerprint
	return c
}

// TestKeyIsBoundToWhatTheCommandSays: a command id chosen by a client (an
// Idempotency-Key) is bound to the command's fingerprint. The same id and
// fingerprint is a duplicate; the same id with another fingerprint is
// ErrKeyReused and appends nothing, in the same stream or another one
// (issue 10, row 3).
func TestKeyIsBoundToWhatTheCommandSays(t *testing.T) {
	ctx := context.Background()
	h, log := keyedSetup(t)
	first, err := command.Execute(ctx, h, "item-a", keyed("clerk-7:k1", "fp-1"), newNothing, at(ledgerNow))
	if err != nil || first.Duplicate {
		t.Fatalf("first: %+v %v", first, err)
	}
	head := func() eventlog.Position {
		t.Helper()
		p, err := log.Head()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The command and its claim.
	if evs, _ := log.ReadAll(ctx, eventlog.Position{}, 10); len(evs) != 2 || evs[0].CommandID != "clerk-7:k1~fp-1" || evs[1].Type != "command_key.claimed" {
		t.Fatalf("recorded %+v, want the command bound to fp-1 and its claim", evs)
	}
	before := head()

	retry, err := command.Execute(ctx, h, "item-a", keyed("clerk-7:k1", "fp-1"), newNothing, at(ledgerNow))
	if err != nil || !retry.Duplicate || retry.EventIDs[0] != first.EventIDs[0] {
		t.Errorf("retry: %+v %v, want the first result as a duplicate", retry, err)
	}
	for _, tc := range []struct{ name, stream, fp string }{
		{"another body, same stream", "item-a", "fp-2"},
		{"another stream", "item-b", "fp-3"},
	} {
		_, err := command.Execute(ctx, h, tc.stream, keyed("clerk-7:k1", tc.fp), newNothing, at(ledgerNow))
		if !errors.Is(err, command.ErrKeyReused) {
			t.Errorf("%s: err = %v, want ErrKeyReused", tc.name, err)
		}
		if head() != before {
			t.Errorf("%s: appended after a refusal", tc.name)
		}
	}
	// Without a fingerprint an id is only an id: a system command
	// (the deadline watcher) is untouched by claims.
	if _, err := command.Execute(ctx, h, "item-b", cmd("clerk-7:k1"), newNothing, at(ledgerNow)); err != nil {
		t.Errorf("an unbound id: %v", err)
	}
}

// TestKeyReusedInTheSameStreamWithoutClaim: within one stream the bound
// id alone refuses another fingerprint, even where no claim was written
// (a crash between the command and its claim).
func TestKeyReusedInTheSameStreamWithoutClaim(t *testing.T) {
	ctx := context.Background()
	h, log := keyedSetup(t)
	// A command recorded with a bound id and no claim: what a crash
	// after the append leaves.
	plain := command.NewHandler(log, keyRegistry(t), command.WithClock(func() time.Time { return ledgerNow }))
	c := cmd("clerk-7:k2~fp-1") // the bound id, as the write path records it
	if _, err := command.Execute(ctx, plain, "item-c", c, newNothing, at(ledgerNow)); err != nil {
		t.Fatal(err)
	}
	if _, err := command.Execute(ctx, h, "item-c", keyed("clerk-7:k2", "fp-2"), newNothing, at(ledgerNow)); !errors.Is(err, command.ErrKeyReused) {
		t.Errorf("err = %v, want ErrKeyReused from the stream's own history", err)
	}
	// The retry of the first writes the missing claim.
	res, err := command.Execute(ctx, h, "item-c", keyed("clerk-7:k2", "fp-1"), newNothing, at(ledgerNow))
	if err != nil || !res.Duplicate {
		t.Fatalf("retry: %+v %v", res, err)
	}
	claim, err := command.Load(ctx, h, commandkey.Stream("clerk-7:k2"), &commandkey.Claim{})
	if err != nil || !claim.Exists() || claim.Fingerprint != "fp-1" || claim.Stream != "item-c" {
		t.Errorf("claim after the retry: %+v %v", claim, err)
	}
}

// TestRefusedCommandClaimsNothing: a refused command leaves no claim, so
// the client may correct it and send it again under the same key.
func TestRefusedCommandClaimsNothing(t *testing.T) {
	ctx := context.Background()
	h, log := keyedSetup(t)
	refuse := func(*nothing, domain.Meta) ([]domain.Event, error) {
		return nil, domain.Invalid("title", "is required")
	}
	if _, err := command.Execute(ctx, h, "item-d", keyed("clerk-7:k3", "fp-1"), newNothing, refuse); err == nil {
		t.Fatal("refusal not returned")
	}
	if evs, _ := log.ReadAll(ctx, eventlog.Position{}, 10); len(evs) != 0 {
		t.Fatalf("a refused command appended %d events", len(evs))
	}
	if _, err := command.Execute(ctx, h, "item-d", keyed("clerk-7:k3", "fp-2"), newNothing, at(ledgerNow)); err != nil {
		t.Errorf("corrected command under the same key: %v", err)
	}
}

func keyRegistry(t *testing.T) *domain.Registry {
	t.Helper()
	reg, err := domain.NewRegistry([]domain.Codec{domain.JSONCodec[dated](1)}, commandkey.Codecs())
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestKeyWithATildeIsAnotherKey: a client's key may itself contain "~";
// "k3~fp-9" is another key than "k3", not k3 bound to a fingerprint.
func TestKeyWithATildeIsAnotherKey(t *testing.T) {
	ctx := context.Background()
	h, _ := keyedSetup(t)
	if _, err := command.Execute(ctx, h, "item-d", keyed("clerk-7:k3~fp-9", "fp-1"), newNothing, at(ledgerNow)); err != nil {
		t.Fatal(err)
	}
	if _, err := command.Execute(ctx, h, "item-d", keyed("clerk-7:k3", "fp-2"), newNothing, at(ledgerNow)); err != nil {
		t.Errorf("key k3 after key k3~fp-9 in one stream: %v, want it recorded", err)
	}
}
