// Package evidence is the ledger's record of evidence files: who uploaded
// which file (by its SHA-256) for which unit, and when a file nobody cited
// was collected. The bytes themselves live in an evidence store (package
// github.com/cxzy/ledger/evidence); these events make every upload and
// every deletion attributable and verifiable like any other fact.
//
// Each file has one stream, evidence-<sha256>. The package does no I/O.
package evidence

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cxzy/ledger/domain"
)

// StreamPrefix starts the stream of every evidence file.
const StreamPrefix = "evidence-"

// Stream is the stream of the file with this digest.
func Stream(sha256 string) string { return StreamPrefix + sha256 }

// Uploaded records that By uploaded the file for Unit ("" for an upload
// of the office, above units). The name, size and media type are those of
// this upload: the size as received, the media type as sniffed from the
// bytes (never as the client declared it).
type Uploaded struct {
	SHA256     string    `json:"sha256"`
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	MediaType  string    `json:"media_type"`
	Unit       string    `json:"unit,omitempty"`
	By         string    `json:"by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// Collected records that the file's bytes were deleted because no event
// cited it within the grace period after its last upload. It is recorded
// before the bytes are deleted: a crash in between leaves bytes the next
// collection deletes, never a deletion the ledger does not tell.
type Collected struct {
	SHA256      string    `json:"sha256"`
	Reason      string    `json:"reason"`
	Grace       string    `json:"grace"` // the grace period, as a Go duration ("72h0m0s")
	CollectedAt time.Time `json:"collected_at"`
}

func (Uploaded) EventType() string          { return "evidence.uploaded" }
func (Collected) EventType() string         { return "evidence.collected" }
func (e Uploaded) ScopeUnit() string        { return e.Unit }
func (e Uploaded) OccurredTime() time.Time  { return e.UploadedAt }
func (e Collected) OccurredTime() time.Time { return e.CollectedAt }

// Codecs lists the family's event types.
func Codecs() []domain.Codec {
	return []domain.Codec{domain.JSONCodec[Uploaded](1), domain.JSONCodec[Collected](1)}
}

// Upload is one standing upload of a file: by whom, for which unit.
type Upload struct {
	By        string
	Unit      string
	Name      string
	MediaType string
	Size      int64
	At        time.Time
}

// File is a file's stream rebuilt. Uploads are those since the file was
// last collected: a collection ends every upload before it, and the same
// bytes uploaded again start afresh.
type File struct {
	SHA256      string
	Uploads     []Upload
	Collected   bool // the latest event is a collection
	CollectedAt time.Time
	Events      int // events applied: the stream's version
}

// Apply rebuilds the file from one of its events.
func (f *File) Apply(e domain.Event) {
	f.Events++
	switch e := e.(type) {
	case Uploaded:
		f.SHA256 = e.SHA256
		f.Collected = false
		f.Uploads = append(f.Uploads, Upload{By: e.By, Unit: e.Unit, Name: e.Name, MediaType: e.MediaType, Size: e.Size, At: e.UploadedAt})
	case Collected:
		f.SHA256 = e.SHA256
		f.Collected, f.CollectedAt = true, e.CollectedAt
		f.Uploads = nil
	}
}

// Exists reports whether the file has any history.
func (f *File) Exists() bool { return f.Events > 0 }

// UploadedBy reports whether by has a standing upload of the file for unit.
func (f *File) UploadedBy(by, unit string) bool {
	return slices.ContainsFunc(f.Uploads, func(u Upload) bool { return u.By == by && u.Unit == unit })
}

// LastUpload is when the file was last uploaded (zero if it has no
// standing upload).
func (f *File) LastUpload() time.Time {
	var last time.Time
	for _, u := range f.Uploads {
		if u.At.After(last) {
			last = u.At
		}
	}
	return last
}

// RecordUpload is the command of one upload; the actor is the uploader.
type RecordUpload struct {
	Evidence domain.Evidence
	Unit     string
}

// RecordUpload records an upload. The same uploader uploading the same
// bytes for the same unit again records nothing: the first upload stands.
// Another uploader, or the same one for another unit, is a new upload
// (each owns the file for its unit).
func (f *File) RecordUpload(cmd RecordUpload, m domain.Meta) ([]domain.Event, error) {
	if err := cmd.Evidence.Validate(); err != nil {
		return nil, err
	}
	if f.Exists() && f.SHA256 != cmd.Evidence.SHA256 {
		return nil, fmt.Errorf("evidence: stream of %s given an upload of %s", f.SHA256, cmd.Evidence.SHA256)
	}
	if m.Actor.ID == "" {
		return nil, domain.Invalid("by", "an upload needs an uploader")
	}
	if f.UploadedBy(m.Actor.ID, cmd.Unit) {
		return nil, nil
	}
	e := cmd.Evidence
	return []domain.Event{Uploaded{SHA256: e.SHA256, Name: e.Name, Size: e.Size, MediaType: e.MediaType,
		Unit: cmd.Unit, By: m.Actor.ID, UploadedAt: m.Now.UTC()}}, nil
}

// ErrNotDue refuses a collection of a file uploaded within the grace
// period: someone may be about to cite it.
var ErrNotDue = errors.New("evidence: the file was uploaded within the grace period")

// Collect is the command of one collection. UploadedBefore is now minus
// the grace period: a file uploaded since is not collected.
type Collect struct {
	SHA256         string
	Reason         string
	Grace          time.Duration
	UploadedBefore time.Time
}

// Collect records a collection. Whether any event cites the file is for
// the caller to know (citations live in other streams); the decision
// refuses what its own stream shows: an upload within the grace period.
// A file already collected, and not uploaded since, records nothing.
func (f *File) Collect(cmd Collect, m domain.Meta) ([]domain.Event, error) {
	if f.Collected {
		return nil, nil
	}
	if cmd.Reason == "" {
		return nil, domain.Invalid("reason", "a collection says why")
	}
	if !f.LastUpload().Before(cmd.UploadedBefore) {
		return nil, ErrNotDue
	}
	return []domain.Event{Collected{SHA256: cmd.SHA256, Reason: cmd.Reason, Grace: cmd.Grace.String(), CollectedAt: m.Now.UTC()}}, nil
}
