package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/cxzy/ledger/evidence"
)

// TestEvidenceStoreWhere: --evidence-dir names a directory or an
// S3-compatible bucket; a bucket URL the adapter cannot use stops ledgerd
// at start with the flag named, rather than at the first upload.
func TestEvidenceStoreWhere(t *testing.T) {
	ctx := context.Background()
	dir, err := openEvidenceStore(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("a directory: %v", err)
	}
	if _, ok := dir.(*evidence.Dir); !ok {
		t.Errorf("a directory opens a %T, want *evidence.Dir", dir)
	}

	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	endpoint := strings.TrimPrefix(srv.URL, "http://")

	store, err := openEvidenceStore(ctx, "s3://evidence/ledger?secure=false&lookup=path&endpoint="+endpoint)
	if err != nil {
		t.Fatalf("an S3 URL: %v", err)
	}
	if _, ok := store.(*evidence.S3); !ok {
		t.Fatalf("an S3 URL opens a %T, want *evidence.S3", store)
	}
	// A small file (one PUT) goes in and comes back verified.
	body := []byte("整改后的公示栏")
	sum := sha256.Sum256(body)
	info, err := store.Put(ctx, bytes.NewReader(body), "", 1<<20)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if want := hex.EncodeToString(sum[:]); info.SHA256 != want {
		t.Errorf("Put gives digest %s, want %s", info.SHA256, want)
	}
	f, err := store.Open(ctx, info.SHA256)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("Open reads %q, %v; want %q", got, err, body)
	}

	for _, bad := range []string{
		"s3://missing-bucket/x?secure=false&lookup=path&endpoint=" + endpoint,
		"s3://evidence/x?colour=blue",
	} {
		if _, err := openEvidenceStore(ctx, bad); err == nil {
			t.Errorf("%s: opened, want an error", bad)
		}
	}
	if _, err := openEvidenceStore(ctx, "s3://evidence/x?colour=blue"); err == nil || !strings.Contains(err.Error(), "--evidence-dir") {
		t.Errorf("a bad S3 URL gives %v, want an error naming --evidence-dir", err)
	}
}
