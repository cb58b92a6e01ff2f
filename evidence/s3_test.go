package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/cxzy/ledger/evidence"
	"github.com/cxzy/ledger/evidence/evidencetest"
)

// fakeS3 starts an S3-compatible server (gofakes3, in memory) behind an
// HTTPS httptest.Server and returns the configuration that reaches its
// bucket "evidence" through the real minio-go client, over real HTTP.
func fakeS3(t *testing.T, tls bool) evidence.S3Config {
	t.Helper()
	cfg, _ := startFakeS3(t, tls)
	return cfg
}

func startFakeS3(t *testing.T, tls bool) (evidence.S3Config, *httptest.Server) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	handler := gofakes3.New(backend).Server()
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	cfg := evidence.S3Config{
		Bucket:    "evidence",
		Prefix:    "ledger/",
		Endpoint:  srv.Listener.Addr().String(),
		Region:    "us-east-1",
		Insecure:  !tls,
		Lookup:    "path",
		PartSize:  5 << 20,
		AccessKey: "test-key",
		SecretKey: "test-secret",
		Transport: srv.Client().Transport, // trusts the server's certificate
		TempDir:   t.TempDir(),
	}
	// gofakes3 answers a listing of multipart uploads in a bucket that
	// never had one with NoSuchUpload (S3 answers an empty list): begin
	// and abort one, outside the store's prefix.
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4("k", "s", ""),
		Secure: tls, Transport: cfg.Transport, Region: cfg.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: client}
	id, err := core.NewMultipartUpload(context.Background(), "evidence", "gofakes3-workaround", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := core.AbortMultipartUpload(context.Background(), "evidence", "gofakes3-workaround", id); err != nil {
		t.Fatal(err)
	}
	return cfg, srv
}

func openS3(t *testing.T, cfg evidence.S3Config) *evidence.S3 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := evidence.OpenS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func s3Adapter(newConfig func(t *testing.T) evidence.S3Config) evidencetest.Adapter {
	return evidencetest.Adapter{
		New: func(t *testing.T) evidence.Store { return openS3(t, newConfig(t)) },
		Tamper: func(t *testing.T, s evidence.Store, sum string) {
			client, bucket, _ := evidence.S3Parts(s.(*evidence.S3))
			key := evidence.S3Key(s.(*evidence.S3), sum)
			ctx := context.Background()
			obj, err := client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj)
			obj.Close()
			if err != nil {
				t.Fatal(err)
			}
			b[0] ^= 1
			if _, err := client.PutObject(ctx, bucket, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		Temporaries: func(t *testing.T, s evidence.Store) int {
			return len(temporaries(t, s.(*evidence.S3)))
		},
	}
}

// temporaries lists the temporary objects and unfinished multipart
// uploads under the store's prefix.
func temporaries(t *testing.T, s *evidence.S3) []string {
	t.Helper()
	client, bucket, prefix := evidence.S3Parts(s)
	ctx := context.Background()
	var out []string
	for obj := range client.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix + "tmp/", Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		out = append(out, obj.Key)
	}
	for up := range client.ListIncompleteUploads(ctx, bucket, prefix, true) {
		if up.Err != nil {
			t.Fatal(up.Err)
		}
		out = append(out, "upload of "+up.Key)
	}
	return out
}

// TestS3Contract runs the store contract against the S3 adapter and the
// fake server over HTTPS.
func TestS3Contract(t *testing.T) {
	evidencetest.Run(t, s3Adapter(func(t *testing.T) evidence.S3Config { return fakeS3(t, true) }))
}

// TestS3ContractReal runs the contract against a real S3-compatible store
// when LEDGER_TEST_S3_URL names a bucket there (credentials from the
// environment, as in production), each case under a prefix of its own
// that is emptied afterwards.
func TestS3ContractReal(t *testing.T) {
	url := os.Getenv("LEDGER_TEST_S3_URL")
	if url == "" {
		t.Skip("LEDGER_TEST_S3_URL is not set (e.g. s3://bucket/prefix?endpoint=localhost:9000&secure=false&lookup=path, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
	}
	base, err := evidence.ParseS3URL(url)
	if err != nil {
		t.Fatal(err)
	}
	evidencetest.Run(t, s3Adapter(func(t *testing.T) evidence.S3Config {
		cfg := base
		var b [6]byte
		rand.Read(b[:])
		cfg.Prefix += "ledger-test-" + hex.EncodeToString(b[:]) + "/"
		t.Cleanup(func() { emptyPrefix(t, cfg) })
		return cfg
	}))
}

func emptyPrefix(t *testing.T, cfg evidence.S3Config) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := evidence.OpenS3(ctx, cfg)
	if err != nil {
		t.Error(err)
		return
	}
	client, bucket, prefix := evidence.S3Parts(s)
	for obj := range client.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err == nil {
			client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
	if _, err := s.CleanTemporary(ctx, 0); err != nil {
		t.Error(err)
	}
}

// A file of several parts: the key layout, the round trip, and a limit
// crossed in the third part leaves neither object nor unfinished upload.
func TestS3Multipart(t *testing.T) {
	s := openS3(t, fakeS3(t, true))
	ctx := context.Background()
	big := make([]byte, 12<<20+3) // three parts of 5 MiB
	rand.Read(big)
	info, err := s.Put(ctx, bytes.NewReader(big), "", int64(len(big)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Open(ctx, info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	f.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes (%v), want the %d put", len(got), err, len(big))
	}
	if _, err := s.Put(ctx, bytes.NewReader(append(big, 1)), "", 11<<20); !errors.Is(err, evidence.ErrTooLarge) {
		t.Errorf("Put of 12 MiB with a limit of 11 MiB: %v, want ErrTooLarge", err)
	}
	if left := temporaries(t, s); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	client, bucket, _ := evidence.S3Parts(s)
	var keys []string
	for obj := range client.ListObjectsIter(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	want := []string{"ledger/sha256/" + info.SHA256[:2] + "/" + info.SHA256}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("the bucket holds %v, want %v", keys, want)
	}
}

// What a crash leaves (a temporary object, an unfinished multipart
// upload) CleanTemporary removes once it is older than asked, and nothing
// else.
func TestS3CleanTemporary(t *testing.T) {
	s := openS3(t, fakeS3(t, true))
	ctx := context.Background()
	if _, err := s.Put(ctx, strings.NewReader("abc"), "", 10); err != nil {
		t.Fatal(err)
	}
	client, bucket, prefix := evidence.S3Parts(s)
	if _, err := client.PutObject(ctx, bucket, prefix+"tmp/crashed-before-copy", strings.NewReader("abc"), 3, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: client}
	id, err := core.NewMultipartUpload(ctx, bucket, prefix+"tmp/crashed-mid-upload", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("x"), 5<<20)
	if _, err := core.PutObjectPart(ctx, bucket, prefix+"tmp/crashed-mid-upload", id, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	if left := temporaries(t, s); len(left) != 2 {
		t.Fatalf("before cleaning: %v, want a temporary object and an upload", left)
	}
	if n, err := s.CleanTemporary(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("CleanTemporary of what is older than an hour: %d removed, %v; want 0", n, err)
	}
	if n, err := s.CleanTemporary(ctx, 0); err != nil || n != 2 {
		t.Errorf("CleanTemporary: %d removed, %v; want 2", n, err)
	}
	if left := temporaries(t, s); len(left) != 0 {
		t.Errorf("after cleaning: %v", left)
	}
	if _, err := s.Stat(ctx, evidencetest.ABC); err != nil {
		t.Errorf("the stored file after cleaning: %v", err)
	}
}

func TestOpenS3RefusesAMissingBucket(t *testing.T) {
	cfg := fakeS3(t, true)
	cfg.Bucket = "no-such-bucket"
	if _, err := evidence.OpenS3(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("OpenS3 of a missing bucket: %v", err)
	}
	// A deadline from the caller bounds the check.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := evidence.OpenS3(ctx, fakeS3(t, true)); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenS3 with a cancelled context: %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	got, err := evidence.ParseS3URL("s3://audit-evidence/ledger/prod?endpoint=minio.internal:9000&region=eu-central-1&secure=false&lookup=path&part_size=8388608&profile=ledger")
	if err != nil {
		t.Fatal(err)
	}
	want := evidence.S3Config{Bucket: "audit-evidence", Prefix: "ledger/prod/", Endpoint: "minio.internal:9000",
		Region: "eu-central-1", Insecure: true, Lookup: "path", PartSize: 8 << 20, Profile: "ledger"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseS3URL = %+v\nwant %+v", got, want)
	}
	if got, err := evidence.ParseS3URL("s3://b"); err != nil || got.Prefix != "" || got.Insecure || got.Lookup != "auto" {
		t.Errorf("ParseS3URL of a bare bucket = %+v, %v", got, err)
	}
	for _, bad := range []string{
		"http://bucket/x", "s3:///prefix", "s3://b/x?endpont=h", "s3://b/x?secure=maybe",
		"s3://b/x?lookup=vhost", "s3://b/x?part_size=1024", "s3://key:secret@b/x", "s3://b//x",
	} {
		if _, err := evidence.ParseS3URL(bad); err == nil {
			t.Errorf("ParseS3URL(%q) accepted", bad)
		}
	}
}
