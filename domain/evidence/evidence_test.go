package evidence_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/evidence"
)

func TestUploadAndCollect(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	ref := domain.Evidence{SHA256: sum, Name: "整改后公示栏.jpg", Size: 10, MediaType: "image/jpeg"}
	t0 := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	meta := func(by string, at time.Time) domain.Meta { return domain.Meta{Actor: domain.Actor{ID: by}, Now: at} }
	apply := func(f *evidence.File, evs []domain.Event) {
		for _, e := range evs {
			f.Apply(e)
		}
	}
	f := &evidence.File{}
	evs, err := f.RecordUpload(evidence.RecordUpload{Evidence: ref, Unit: "u2"}, meta("clerk-u2", t0))
	if err != nil || len(evs) != 1 {
		t.Fatalf("first upload: %v %v", evs, err)
	}
	apply(f, evs)
	// The same uploader, bytes and unit again: nothing new.
	if evs, err := f.RecordUpload(evidence.RecordUpload{Evidence: ref, Unit: "u2"}, meta("clerk-u2", t0.Add(time.Hour))); err != nil || len(evs) != 0 {
		t.Fatalf("repeat upload recorded %v, %v; want nothing", evs, err)
	}
	// Another unit: a new upload; both own the file.
	evs, _ = f.RecordUpload(evidence.RecordUpload{Evidence: ref, Unit: "u6"}, meta("clerk-u6", t0.Add(time.Hour)))
	apply(f, evs)
	if len(f.Uploads) != 2 || !f.UploadedBy("clerk-u6", "u6") || !f.LastUpload().Equal(t0.Add(time.Hour)) {
		t.Fatalf("after two uploads: %+v", f)
	}
	// Not collected while an upload is within the grace period.
	grace := 72 * time.Hour
	if _, err := f.Collect(evidence.Collect{SHA256: sum, Reason: "nobody cited it", Grace: grace, UploadedBefore: t0.Add(time.Hour)}, meta("evidence-collector", t0.Add(grace))); !errors.Is(err, evidence.ErrNotDue) {
		t.Fatalf("early collection: %v, want ErrNotDue", err)
	}
	evs, err = f.Collect(evidence.Collect{SHA256: sum, Reason: "nobody cited it", Grace: grace, UploadedBefore: t0.Add(2 * time.Hour)}, meta("evidence-collector", t0.Add(80*time.Hour)))
	if err != nil || len(evs) != 1 || evs[0].(evidence.Collected).Grace != "72h0m0s" {
		t.Fatalf("collection: %v %v", evs, err)
	}
	apply(f, evs)
	if !f.Collected || len(f.Uploads) != 0 {
		t.Fatalf("after the collection: %+v", f)
	}
	if evs, _ := f.Collect(evidence.Collect{SHA256: sum, Reason: "again", UploadedBefore: t0.Add(100 * time.Hour)}, meta("evidence-collector", t0.Add(100*time.Hour))); len(evs) != 0 {
		t.Errorf("a second collection recorded %v", evs)
	}
	// Uploaded again after the collection: a fresh upload.
	evs, _ = f.RecordUpload(evidence.RecordUpload{Evidence: ref, Unit: "u2"}, meta("clerk-u2", t0.Add(90*time.Hour)))
	apply(f, evs)
	if f.Collected || len(f.Uploads) != 1 || f.Events != 4 {
		t.Errorf("re-uploaded after collection: %+v", f)
	}
	var ve *domain.ValidationError
	if _, err := f.RecordUpload(evidence.RecordUpload{Evidence: domain.Evidence{SHA256: sum, Name: "a/b", Size: 1, MediaType: "image/png"}}, meta("x", t0)); !errors.As(err, &ve) || ve.Field != "name" {
		t.Errorf("a name with a path: %v", err)
	}
}
