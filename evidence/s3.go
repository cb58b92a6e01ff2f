package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a Store in a bucket of an S3-compatible object store (AWS S3,
// MinIO, Ceph RGW, Aliyun OSS and Tencent COS through their S3 APIs), for a
// ledger that runs on more than one machine.
//
// Each file is the object <prefix>sha256/ab/abcdef… (its digest under the
// digest's first two digits, like Dir). Put streams the bytes to a
// temporary object <prefix>tmp/<random> while hashing and counting them,
// and only when the digest is the one expected copies it, on the server,
// to its final key and removes the temporary object. An S3 write is atomic
// (a reader sees the old object or the whole new one, never a part), so a
// crash leaves the whole file or none under its digest; what it can leave
// is a temporary object or an unfinished multipart upload under
// <prefix>tmp/, which CleanTemporary removes.
//
// Open reads the whole object into an unlinked temporary file while
// hashing it and hands out that file only once the digest matched: a
// reader never gets a byte that was not verified. The cost is one full
// download and as much local disk as the file before the first byte is
// served.
type S3 struct {
	client   *minio.Client
	bucket   string
	prefix   string
	partSize uint64
	tempDir  string
}

// S3Config says where an S3 store is and how to reach it. ParseS3URL
// fills it from a URL; credentials come from fields set in code, or else
// from the environment or the shared credentials file (see OpenS3).
type S3Config struct {
	Bucket   string
	Prefix   string // "" or ending in "/"
	Endpoint string // host[:port]; default s3.amazonaws.com
	Region   string // "" lets the client ask the server
	Insecure bool   // plain HTTP (default HTTPS)
	// Lookup is how the bucket is addressed: "auto" (default), "path"
	// (https://host/bucket/key, MinIO and most self-hosted stores) or
	// "dns" (https://bucket.host/key, required by OSS and COS).
	Lookup string
	// PartSize is the size of each part of a multipart upload, held in
	// memory once per upload in progress; 0 means 16 MiB, at least 5 MiB.
	PartSize uint64
	// Profile names the profile in the shared credentials file; "" means
	// AWS_PROFILE or "default".
	Profile string

	// Set in code, never in the URL.
	AccessKey, SecretKey, SessionToken string
	Transport                          http.RoundTripper // nil: the default, honouring SSL_CERT_FILE
	TempDir                            string            // where Open verifies downloads; "" is os.TempDir()
}

// ParseS3URL reads a configuration such as
//
//	s3://bucket/some/prefix?endpoint=minio.internal:9000&region=eu-central-1&secure=true&lookup=path
//
// Parameters: endpoint, region, secure (true by default), lookup
// (auto|path|dns), part_size (bytes), profile. Anything else is refused,
// so that a misspelt parameter is not silently ignored.
func ParseS3URL(s string) (S3Config, error) {
	u, err := url.Parse(s)
	if err != nil {
		return S3Config{}, fmt.Errorf("evidence: S3 URL: %w", err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return S3Config{}, fmt.Errorf("evidence: S3 URL %q: want s3://bucket/prefix?endpoint=host:port", s)
	}
	cfg := S3Config{Bucket: u.Host, Prefix: strings.TrimPrefix(u.Path, "/"), Lookup: "auto"}
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "endpoint":
			cfg.Endpoint = v
		case "region":
			cfg.Region = v
		case "secure":
			secure, err := strconv.ParseBool(v)
			if err != nil {
				return S3Config{}, fmt.Errorf("evidence: S3 URL: secure=%q: %w", v, err)
			}
			cfg.Insecure = !secure
		case "lookup":
			cfg.Lookup = v
		case "part_size":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return S3Config{}, fmt.Errorf("evidence: S3 URL: part_size=%q: %w", v, err)
			}
			cfg.PartSize = n
		case "profile":
			cfg.Profile = v
		default:
			return S3Config{}, fmt.Errorf("evidence: S3 URL: unknown parameter %q", k)
		}
	}
	return cfg, cfg.check()
}

const minPartSize = 5 << 20 // S3's smallest part but the last

func (c S3Config) check() error {
	switch {
	case c.Bucket == "":
		return errors.New("evidence: S3: no bucket")
	case c.Prefix != "" && !strings.HasSuffix(c.Prefix, "/"):
		return fmt.Errorf("evidence: S3: prefix %q does not end in /", c.Prefix)
	case strings.HasPrefix(c.Prefix, "/") || strings.Contains(c.Prefix, "//"):
		return fmt.Errorf("evidence: S3: prefix %q has an empty segment", c.Prefix)
	case c.Lookup != "" && c.Lookup != "auto" && c.Lookup != "path" && c.Lookup != "dns":
		return fmt.Errorf("evidence: S3: lookup %q is not auto, path or dns", c.Lookup)
	case c.PartSize != 0 && c.PartSize < minPartSize:
		return fmt.Errorf("evidence: S3: part size %d is under 5 MiB", c.PartSize)
	}
	return nil
}

// OpenS3 connects to the bucket and checks that it exists. Credentials
// are the config's keys if set, else AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else MINIO_ROOT_USER and
// MINIO_ROOT_PASSWORD, else the shared credentials file
// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile Profile).
func OpenS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{Profile: cfg.Profile},
	})
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	lookup := map[string]minio.BucketLookupType{
		"": minio.BucketLookupAuto, "auto": minio.BucketLookupAuto,
		"path": minio.BucketLookupPath, "dns": minio.BucketLookupDNS,
	}[cfg.Lookup]
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        creds,
		Secure:       !cfg.Insecure,
		Transport:    cfg.Transport,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: S3 %s: %w", endpoint, err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("evidence: S3 bucket %s at %s: %w", cfg.Bucket, endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("evidence: S3 bucket %s at %s does not exist", cfg.Bucket, endpoint)
	}
	partSize := cfg.PartSize
	if partSize == 0 {
		partSize = 16 << 20
	}
	tempDir := cfg.TempDir
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: partSize, tempDir: tempDir}, nil
}

func (s *S3) key(sum string) string { return s.prefix + "sha256/" + sum[:2] + "/" + sum }

// Files of up to this size are read whole before they are sent (one PUT
// of a known length); larger ones go as a multipart upload of PartSize
// parts.
const singlePutMax = 1 << 20

// The largest object one CopyObject request copies; larger ones are
// copied part by part.
const maxCopySize = 5 << 30

func (s *S3) Put(ctx context.Context, r io.Reader, want string, limit int64) (Info, error) {
	if want != "" && !ValidDigest(want) {
		return Info{}, ErrBadDigest
	}
	if limit < 0 {
		return Info{}, ErrTooLarge
	}
	tmp := s.prefix + "tmp/" + randomName()
	in := &uploadReader{ctx: ctx, r: r, h: sha256.New(), limit: limit}
	first := make([]byte, min(limit+1, singlePutMax))
	n, _ := io.ReadFull(in, first)
	if in.err != nil && in.err != io.EOF {
		return Info{}, in.err // nothing was sent
	}
	// Content-MD5 on every request: the server checks each body it gets,
	// and AWS refuses uploads to an Object Lock bucket without it (or a
	// checksum header).
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", SendContentMd5: true}
	var err error
	if in.err == io.EOF {
		opts.DisableMultipart = true
		_, err = s.client.PutObject(ctx, s.bucket, tmp, bytes.NewReader(first[:n]), int64(n), opts)
	} else {
		// Unknown length: minio-go sends PartSize parts and aborts the
		// multipart upload if the reader fails (too large, cancelled).
		opts.PartSize = s.partSize
		_, err = s.client.PutObject(ctx, s.bucket, tmp, io.MultiReader(bytes.NewReader(first[:n]), in), -1, opts)
	}
	// Whatever happens next, the temporary object goes; if this delete
	// is lost too, CleanTemporary finds it.
	defer s.removeTemporary(ctx, tmp)
	if in.err != nil && in.err != io.EOF {
		return Info{}, in.err
	}
	if err != nil {
		return Info{}, fmt.Errorf("evidence: S3 upload: %w", err)
	}
	sum := hex.EncodeToString(in.h.Sum(nil))
	// What the server kept must be what was sent, before it is copied
	// anywhere.
	st, err := s.client.StatObject(ctx, s.bucket, tmp, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("evidence: S3 upload: %w", err)
	}
	if st.Size != in.n {
		return Info{}, fmt.Errorf("evidence: S3 upload: sent %d bytes, the server kept %d", in.n, st.Size)
	}
	if want != "" && sum != want {
		return Info{}, fmt.Errorf("%w: the bytes hash to %s", ErrDigestMismatch, sum)
	}
	// The same bytes may be there already. If what is there no longer
	// matches its digest, these bytes (which do) take its place: the
	// tampering was reported when it was read.
	if info, err := s.fetch(ctx, sum, io.Discard); err == nil {
		return info, nil
	} else if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrTampered) {
		return Info{}, err
	}
	dst := minio.CopyDestOptions{Bucket: s.bucket, Object: s.key(sum)}
	// If-Match on the ETag: the copy fails if the temporary object was
	// replaced since it was written.
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp, MatchETag: st.ETag}
	if in.n <= maxCopySize {
		_, err = s.client.CopyObject(ctx, dst, src)
	} else {
		_, err = s.client.ComposeObject(ctx, dst, src)
	}
	if err != nil {
		return Info{}, fmt.Errorf("evidence: S3 copy to %s: %w", dst.Object, err)
	}
	info, err := s.Stat(ctx, sum)
	if err == nil && info.Size != in.n {
		return Info{}, fmt.Errorf("evidence: S3 upload: sent %d bytes, the server kept %d under %s", in.n, info.Size, dst.Object)
	}
	return info, err
}

// removeTemporary deletes a temporary object even when ctx has ended (a
// client gone mid-upload), within a bound of its own.
func (s *S3) removeTemporary(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
}

// fetch streams the object with this digest into w while hashing it: the
// object's Info if its bytes hash to its digest, ErrTampered if not.
func (s *S3) fetch(ctx context.Context, sum string, w io.Writer) (Info, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(sum), minio.GetObjectOptions{})
	if err != nil {
		return Info{}, s.objectError(sum, err)
	}
	defer obj.Close()
	st, err := obj.Stat()
	if err != nil {
		return Info{}, s.objectError(sum, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), obj)
	if err != nil {
		return Info{}, fmt.Errorf("evidence: S3 read %s: %w", sum, err)
	}
	if n != st.Size || hex.EncodeToString(h.Sum(nil)) != sum {
		return Info{}, fmt.Errorf("%w: %s", ErrTampered, sum)
	}
	return Info{SHA256: sum, Size: st.Size, Stored: st.LastModified.UTC()}, nil
}

func (s *S3) objectError(sum string, err error) error {
	if r := minio.ToErrorResponse(err); r.Code == minio.NoSuchKey || r.StatusCode == http.StatusNotFound && r.Code != minio.NoSuchBucket {
		return ErrNotFound
	}
	return fmt.Errorf("evidence: S3 %s: %w", sum, err)
}

func (s *S3) Open(ctx context.Context, sum string) (File, error) {
	if !ValidDigest(sum) {
		return nil, ErrBadDigest
	}
	f, err := os.CreateTemp(s.tempDir, "evidence-open-*")
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	// Unlinked at once: the bytes live as long as the open file, and no
	// crash leaves them behind. (Where a file cannot be removed while
	// open, Close removes it.)
	name := f.Name()
	if os.Remove(name) == nil {
		name = ""
	}
	file := &s3File{File: f, name: name}
	info, err := s.fetch(ctx, sum, f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	file.info = info
	return file, nil
}

func (s *S3) Stat(ctx context.Context, sum string) (Info, error) {
	if !ValidDigest(sum) {
		return Info{}, ErrBadDigest
	}
	st, err := s.client.StatObject(ctx, s.bucket, s.key(sum), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.objectError(sum, err)
	}
	return Info{SHA256: sum, Size: st.Size, Stored: st.LastModified.UTC()}, nil
}

func (s *S3) Delete(ctx context.Context, sum string) error {
	if !ValidDigest(sum) {
		return ErrBadDigest
	}
	// S3 answers a delete of a missing key with success.
	if err := s.client.RemoveObject(ctx, s.bucket, s.key(sum), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("evidence: S3 delete %s: %w", sum, err)
	}
	return nil
}

func (s *S3) Walk(ctx context.Context, fn func(Info) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx) // stops the listing when fn fails
	defer cancel()
	base := s.prefix + "sha256/"
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: base, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("evidence: S3 list: %w", obj.Err)
		}
		folder, sum, ok := strings.Cut(strings.TrimPrefix(obj.Key, base), "/")
		if !ok || !ValidDigest(sum) || !strings.HasPrefix(sum, folder) || len(folder) != 2 {
			continue // not made by Put
		}
		if err := fn(Info{SHA256: sum, Size: obj.Size, Stored: obj.LastModified.UTC()}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// CleanTemporary removes what interrupted uploads left: temporary objects
// under <prefix>tmp/ and unfinished multipart uploads under the prefix,
// last written (or begun) more than olderThan ago by the server's clock.
// An upload in progress is at most as old as its slowest upload takes, so
// olderThan should be well above that (an hour, say); ledgerd can call it
// at start and then daily. It returns how many it removed.
func (s *S3) CleanTemporary(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + "tmp/", Recursive: true}) {
		if obj.Err != nil {
			return removed, fmt.Errorf("evidence: S3 list temporary objects: %w", obj.Err)
		}
		if obj.LastModified.After(cutoff) {
			continue
		}
		if err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			return removed, fmt.Errorf("evidence: S3 remove %s: %w", obj.Key, err)
		}
		removed++
	}
	// Multipart uploads to tmp/ (large files) and, for files over 5 GiB,
	// the part-by-part copy to sha256/.
	core := minio.Core{Client: s.client}
	for _, under := range []string{s.prefix + "tmp/", s.prefix + "sha256/"} {
		for up := range s.client.ListIncompleteUploads(ctx, s.bucket, under, true) {
			if up.Err != nil {
				return removed, fmt.Errorf("evidence: S3 list unfinished uploads: %w", up.Err)
			}
			if up.Initiated.After(cutoff) {
				continue
			}
			if err := core.AbortMultipartUpload(ctx, s.bucket, up.Key, up.UploadID); err != nil {
				return removed, fmt.Errorf("evidence: S3 abort upload of %s: %w", up.Key, err)
			}
			removed++
		}
	}
	return removed, ctx.Err()
}

type s3File struct {
	*os.File
	name string // to remove on Close, if it could not be unlinked at once
	info Info
}

func (f *s3File) Info() Info { return f.info }

func (f *s3File) Close() error {
	err := f.File.Close()
	if f.name != "" {
		os.Remove(f.name)
	}
	return err
}

// uploadReader hashes and counts what it reads, stops with ErrTooLarge
// past limit bytes and with the context's error when it ends, and keeps
// the first error it met.
type uploadReader struct {
	ctx   context.Context
	r     io.Reader
	h     hash.Hash
	n     int64
	limit int64
	err   error
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if err := u.ctx.Err(); err != nil {
		u.err = err
		return 0, err
	}
	// One byte past the limit tells a file of exactly the limit from a
	// larger one.
	if room := u.limit + 1 - u.n; int64(len(p)) > room {
		p = p[:max(room, 0)]
	}
	k, err := u.r.Read(p)
	u.h.Write(p[:k])
	u.n += int64(k)
	if u.n > u.limit {
		u.err = ErrTooLarge
		return 0, u.err
	}
	if err != nil {
		if err == io.EOF {
			u.err = io.EOF
		} else {
			u.err = fmt.Errorf("evidence: receive: %w", err)
		}
		return k, u.err
	}
	return k, nil
}

func randomName() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
