package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cxzy/ledger/domain"
)

func TestEvidenceValidate(t *testing.T) {
	good := domain.Evidence{SHA256: strings.Repeat("ab", 32), Name: "会议记录.pdf", Size: 12, MediaType: "application/pdf"}
	if err := good.Validate(); err != nil {
		t.Fatalf("got %v for a good reference, want nil", err)
	}
	tests := []struct {
		name  string
		edit  func(*domain.Evidence)
		field string
	}{
		{"short hash", func(e *domain.Evidence) { e.SHA256 = "abcd" }, "sha256"},
		{"uppercase hash", func(e *domain.Evidence) { e.SHA256 = strings.Repeat("AB", 32) }, "sha256"},
		{"non-hex hash", func(e *domain.Evidence) { e.SHA256 = strings.Repeat("zz", 32) }, "sha256"},
		{"empty name", func(e *domain.Evidence) { e.Name = " " }, "name"},
		{"path in name", func(e *domain.Evidence) { e.Name = "../etc/passwd" }, "name"},
		{"control in name", func(e *domain.Evidence) { e.Name = "a\nb" }, "name"},
		{"long name", func(e *domain.Evidence) { e.Name = strings.Repeat("x", domain.MaxEvidenceName+1) }, "name"},
		{"zero size", func(e *domain.Evidence) { e.Size = 0 }, "size"},
		{"negative size", func(e *domain.Evidence) { e.Size = -1 }, "size"},
		{"no media type", func(e *domain.Evidence) { e.MediaType = "" }, "media_type"},
		{"media type without subtype", func(e *domain.Evidence) { e.MediaType = "image" }, "media_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := good
			tc.edit(&e)
			var ve *domain.ValidationError
			if err := e.Validate(); !errors.As(err, &ve) || ve.Field != tc.field {
				t.Errorf("got %v, want a validation error on %s", err, tc.field)
			}
		})
	}
}

func TestValidateEvidence(t *testing.T) {
	a := domain.Evidence{SHA256: strings.Repeat("0", 64), Name: "a.jpg", Size: 1, MediaType: "image/jpeg"}
	b := a
	b.SHA256 = strings.Repeat("1", 64)
	bad := a
	bad.Size = 0
	tests := []struct {
		name  string
		list  []domain.Evidence
		field string // empty: valid
	}{
		{"none", nil, ""},
		{"two files", []domain.Evidence{a, b}, ""},
		{"second bad", []domain.Evidence{a, bad}, "evidence[1].size"},
		{"duplicate", []domain.Evidence{a, b, a}, "evidence[2].sha256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := domain.ValidateEvidence("evidence", tc.list)
			if tc.field == "" {
				if err != nil {
					t.Errorf("got %v, want nil", err)
				}
				return
			}
			var ve *domain.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Errorf("got %v, want a validation error on %s", err, tc.field)
			}
		})
	}
}
