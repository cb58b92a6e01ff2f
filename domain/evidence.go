package domain

import (
	"errors"
	"fmt"
	"mime"
	"strings"
	"unicode"
)

// Evidence is a reference to a file (photo, minutes, scanned document) kept
// outside the events. The file is content-addressed: an event records its
// SHA-256 with its name, size and media type, so a file changed after the
// fact no longer matches what the ledger says was attached. Fulfilment
// reports, inspections and rectification submissions all carry evidence.
type Evidence struct {
	SHA256    string `json:"sha256"`     // 64 lowercase hex digits
	Name      string `json:"name"`       // file name as uploaded, no path
	Size      int64  `json:"size"`       // bytes, positive
	MediaType string `json:"media_type"` // e.g. image/jpeg, application/pdf
}

// MaxEvidenceName bounds the length of an evidence file name in bytes.
const MaxEvidenceName = 255

// Validate checks one reference. The ValidationError names the JSON field
// of the reference (sha256, name, size, media_type); ValidateEvidence
// prefixes it with the list's field and index.
func (e Evidence) Validate() error {
	if len(e.SHA256) != 64 || strings.TrimLeft(e.SHA256, "0123456789abcdef") != "" {
		return Invalid("sha256", "must be 64 lowercase hexadecimal digits")
	}
	if strings.TrimSpace(e.Name) == "" {
		return Invalid("name", "must not be empty")
	}
	if len(e.Name) > MaxEvidenceName {
		return Invalid("name", "must be at most %d bytes", MaxEvidenceName)
	}
	if strings.ContainsAny(e.Name, `/\`) || strings.IndexFunc(e.Name, unicode.IsControl) >= 0 {
		return Invalid("name", "must be a file name without a path or control characters")
	}
	if e.Size <= 0 {
		return Invalid("size", "must be positive")
	}
	if _, _, err := mime.ParseMediaType(e.MediaType); err != nil || !strings.Contains(e.MediaType, "/") {
		return Invalid("media_type", "must be a media type such as image/jpeg")
	}
	return nil
}

// ValidateEvidence checks a list of references held in the command field
// named field ("evidence"). A failure names the element, as in
// "evidence[1].sha256". The same file listed twice is refused: it is
// almost always a double upload, and counts would be inflated.
func ValidateEvidence(field string, list []Evidence) error {
	seen := make(map[string]bool, len(list))
	for i, e := range list {
		if err := e.Validate(); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return Invalid(fmt.Sprintf("%s[%d].%s", field, i, ve.Field), "%s", ve.Reason)
			}
			return err
		}
		if seen[e.SHA256] {
			return Invalid(fmt.Sprintf("%s[%d].sha256", field, i), "lists the same file twice")
		}
		seen[e.SHA256] = true
	}
	return nil
}
