package evidence

import "time"

// FileSnapshot is the state of a file's stream as readers see it: its
// standing uploads, or its collection.
type FileSnapshot struct {
	SHA256      string           `json:"sha256"`
	State       string           `json:"state"` // uploaded or collected
	Uploads     []UploadSnapshot `json:"uploads"`
	CollectedAt time.Time        `json:"collected_at,omitzero"`
	Version     int              `json:"version"`
}

// UploadSnapshot is one standing upload.
type UploadSnapshot struct {
	By        string    `json:"by"`
	Unit      string    `json:"unit"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	At        time.Time `json:"at,omitzero"`
}

// Snapshot returns the file's state for readers.
func (f *File) Snapshot() FileSnapshot {
	s := FileSnapshot{SHA256: f.SHA256, State: "uploaded", Uploads: []UploadSnapshot{}, CollectedAt: f.CollectedAt, Version: f.Events}
	if f.Collected {
		s.State = "collected"
	}
	for _, u := range f.Uploads {
		s.Uploads = append(s.Uploads, UploadSnapshot{By: u.By, Unit: u.Unit, Name: u.Name, MediaType: u.MediaType, Size: u.Size, At: u.At})
	}
	return s
}
