package checkpoint_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/domain/checkpoint"
)

func TestSealOnlyGrows(t *testing.T) {
	root := make([]byte, 32)
	l := &checkpoint.Log{}
	seal := func(size uint64, root []byte, note string) error {
		evs, err := l.Seal(checkpoint.Seal{Size: size, Root: root, SealedAt: time.Now(), Note: note}, domain.Meta{})
		for _, e := range evs {
			l.Apply(e)
		}
		return err
	}
	if err := seal(10, root, "n"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		size  uint64
		root  []byte
		note  string
		field string
	}{
		{"same size", 10, root, "n", "size"},
		{"smaller", 9, root, "n", "size"},
		{"short root", 11, root[:31], "n", "root"},
		{"no note", 11, root, "", "note"},
	}
	for _, tt := range tests {
		var v *domain.ValidationError
		if err := seal(tt.size, tt.root, tt.note); !errors.As(err, &v) || v.Field != tt.field {
			t.Errorf("%s: %v, want a validation error on %s", tt.name, err, tt.field)
		}
	}
	if err := seal(11, root, "n"); err != nil || l.Size != 11 || l.Count != 2 {
		t.Errorf("growing checkpoint: %v, log %+v", err, l)
	}
}
