package command

import (
	"context"
	"errors"
	"fmt"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/commandkey"
)

// claimed runs a command whose id is bound to a fingerprint (see
// Command.Fingerprint) under the id's claim: a claim for another
// fingerprint refuses it before anything is decided, and a command that
// lands (or had landed: a retry) claims the id if no claim stands yet.
//
// Within one stream the binding is atomic: the events carry the bound id,
// and the write path refuses the same id with another fingerprint there.
// Across streams the claim, written after the command, closes the gap, with
// one window left open: a crash between a command's append and its claim,
// or two commands of one id racing on two streams, can let a second use of
// the id with another fingerprint land too. Neither command is lost then;
// both are recorded, each with its own bound id, and the later one finds
// the claim taken (ErrKeyReused is not returned for it: it has landed).
func (h *Handler) claimed(ctx context.Context, cmd Command, run func() (Result, error)) (Result, error) {
	if cmd.Fingerprint == "" {
		return run()
	}
	stream := commandkey.Stream(cmd.ID)
	claim, err := Load(ctx, h, stream, &commandkey.Claim{})
	if err != nil {
		return Result{}, err
	}
	if claim.Exists() && claim.Fingerprint != cmd.Fingerprint {
		return Result{}, fmt.Errorf("%w: first used for a command in %s", ErrKeyReused, claim.Stream)
	}
	res, err := run()
	if err != nil || claim.Exists() || len(res.EventIDs) == 0 {
		return res, err // refused, claimed already, or nothing to record
	}
	// The claim is the ledger's own record: a system command, its time
	// the ledger clock, its id derived from the bound id so that a
	// retried claim is a duplicate.
	_, err = create(ctx, h, stream, Command{
		ID:            cmd.recordedID() + "/claim",
		Actor:         cmd.Actor,
		CorrelationID: cmd.CorrelationID,
		System:        true,
	}, func(m domain.Meta) ([]domain.Event, error) {
		return []domain.Event{commandkey.Claimed{Fingerprint: cmd.Fingerprint, Stream: res.Stream, ClaimedAt: m.Now}}, nil
	})
	if errors.Is(err, domain.ErrAlreadyExists) {
		err = nil // claimed meanwhile: for this fingerprint, or the window above
	}
	if err != nil {
		return res, fmt.Errorf("command recorded in %s, its key not yet claimed (a retry claims it): %w", res.Stream, err)
	}
	return res, nil
}
