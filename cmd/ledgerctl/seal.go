package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/cxzy/ledger/seal"
)

// keygen makes a checkpoint signing key: the secret signer key goes to a
// file only its owner reads, the verifier key to stdout for publishing.
func (e env) keygen(args []string) int {
	fs := e.flags("keygen")
	name := fs.String("name", "cxzy-ledger-"+time.Now().UTC().Format("2006"), "the key's name, shown beside every signature")
	out := fs.String("out", "", "file to write the secret signer key to (required; must not exist)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *out == "" {
		fmt.Fprintln(e.stderr, "ledgerctl keygen: --out is required")
		return exitUsage
	}
	skey, vkey, err := seal.GenerateKey(*name)
	if err != nil {
		return e.fail("keygen: %v", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return e.fail("keygen: %v", err)
	}
	if _, err := fmt.Fprintln(f, skey); err != nil {
		f.Close()
		return e.fail("keygen: %v", err)
	}
	if err := f.Close(); err != nil {
		return e.fail("keygen: %v", err)
	}
	fmt.Fprintf(e.stderr, "signer key written to %s (keep it secret; ledgerd reads it with --seal-key-file)\nverifier key (publish it; auditors verify with it):\n", *out)
	fmt.Fprintln(e.stdout, vkey)
	return exitOK
}

// keyShape is the shape of a verifier key string (name+keyhash+base64);
// any other --key item is the path of a file holding one
// (docs/hashing.md, Checks). A key string is never read as a path.
var keyShape = regexp.MustCompile(`^[^+]+\+[0-9A-Fa-f]{8}\+[A-Za-z0-9+/=]+$`)

// trustedKeys reads verifier keys given inline or as files, comma-separated.
func trustedKeys(arg string) (note.Verifiers, error) {
	var keys []string
	for _, k := range strings.Split(arg, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !keyShape.MatchString(k) {
			data, err := os.ReadFile(k)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a verifier key (name+keyhash+base64key) nor a readable file: %v", k, err)
			}
			k = strings.TrimSpace(string(data))
		}
		keys = append(keys, k)
	}
	v, _, err := seal.Verifiers(keys...)
	return v, err
}

// readCheckpoint reads a saved checkpoint file (JSON, as the API serves
// it) and trusts nothing in it but what its signature covers; the fields
// beside the note must say what the note says.
func readCheckpoint(file string, trusted note.Verifiers) (*seal.Checkpoint, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	cp, err := seal.ReadCheckpoint(data, trusted)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &cp, nil
}

// verifyPack checks an evidence pack offline: no network, no ledger, only
// the file and the public key.
func (e env) verifyPack(args []string) int {
	fs := e.flags("verify-pack")
	key := fs.String("key", "", "the ledger's verifier key(s), or files holding them, comma-separated (required)")
	since := fs.String("since", "", "a checkpoint file you saved earlier (ledgerctl audit): the pack must extend it")
	allowMissing := fs.Bool("allow-missing-files", false, "for an archive (ledgerctl evidence --with-files): accept cited files it does not hold (kept elsewhere); those found must still match")
	args, file := splitFile(args)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *key == "" {
		fmt.Fprintln(e.stderr, "usage: ledgerctl verify-pack FILE(.json|.zip) --key PUBKEY [--since CHECKPOINT] [--allow-missing-files]")
		return exitUsage
	}
	trusted, err := trustedKeys(*key)
	if err != nil {
		return e.fail("verify-pack: --key: %v", err)
	}
	var held *seal.Checkpoint
	if *since != "" {
		if held, err = readCheckpoint(*since, trusted); err != nil {
			return e.fail("verify-pack: --since: %v", err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return e.fail("verify-pack: %v", err)
	}
	// An archive (ZIP, from evidence --with-files) holds the pack and the
	// files; anything else is read as a JSON pack, strictly.
	var archive *seal.Archive
	if seal.IsArchive(data) {
		if archive, err = seal.OpenArchive(bytes.NewReader(data), int64(len(data))); err != nil {
			fmt.Fprintf(e.stdout, "NOT VERIFIED: %s: %v\n", file, err)
			return exitFail
		}
		data = archive.Pack
	}
	p, err := seal.ReadPack(data)
	if err != nil {
		fmt.Fprintln(e.stdout, "NOT VERIFIED:", err)
		return exitFail
	}
	report, err := seal.VerifyPack(p, trusted, held)
	if err != nil {
		fmt.Fprintln(e.stdout, "NOT VERIFIED:", err)
		for _, l := range report.Lines {
			fmt.Fprintln(e.stdout, "  before that:", l)
		}
		return exitFail
	}
	if archive == nil {
		fmt.Fprintf(e.stdout, "VERIFIED: %s\n", p.Subject)
		for _, l := range report.Lines {
			fmt.Fprintln(e.stdout, "  "+l)
		}
		if refs, err := seal.PackFiles(p); err == nil && len(refs) > 0 {
			fmt.Fprintf(e.stdout, "  Not checked: the %d files the events cite; this pack does not hold them (ledgerctl evidence --with-files writes an archive that does).\n", len(seal.Distinct(refs)))
		}
		return exitOK
	}
	files, err := archive.VerifyFiles(p, *allowMissing)
	if err != nil {
		fmt.Fprintln(e.stdout, "NOT VERIFIED:", err)
		for _, l := range files.Lines {
			fmt.Fprintln(e.stdout, "  "+l)
		}
		fmt.Fprintln(e.stdout, "  The pack's events themselves verified:")
		for _, l := range report.Lines {
			fmt.Fprintln(e.stdout, "    "+l)
		}
		return exitFail
	}
	fmt.Fprintf(e.stdout, "VERIFIED: %s\n", p.Subject)
	for _, l := range append(report.Lines, files.Lines...) {
		fmt.Fprintln(e.stdout, "  "+l)
	}
	return exitOK
}

// splitFile lets the file come before the flags (verify-pack FILE --key K),
// which the flag package alone does not allow.
func splitFile(args []string) ([]string, string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[1:], args[0]
	}
	return args, ""
}

// evidence fetches an evidence pack from the API into a file.
func (e env) evidence(ctx context.Context, args []string) int {
	fs := e.flags("evidence")
	server := fs.String("server", e.def("LEDGER_URL", "http://127.0.0.1:8080"), "the ledger's API (LEDGER_URL)")
	stream := fs.String("stream", "", "the stream to prove, e.g. rectification-<id>")
	unit := fs.String("unit", "", "or: the unit whose events (and those of the units below it) to prove, with --from and --to")
	from := fs.String("from", "", "with --unit: the period's start, a date or RFC 3339 time")
	to := fs.String("to", "", "with --unit: the period's end, excluded")
	since := fs.Uint64("since", 0, "the size of a checkpoint you hold: the pack then proves it extends it")
	out := fs.String("out", "", "file to write the pack to (required)")
	withFiles := fs.Bool("with-files", false, "write a ZIP archive holding the pack and every file its events cite, each checked against its digest as it downloads")
	allowMissing := fs.Bool("allow-missing-files", false, "with --with-files: leave out cited files the ledger does not hold (404), instead of failing")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	token := e.getenv("LEDGER_TOKEN")
	if (*stream == "") == (*unit == "") || *out == "" || token == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "usage: LEDGER_TOKEN=... ledgerctl evidence (--stream S | --unit U --from DATE --to DATE) --out FILE [--with-files [--allow-missing-files]] [--server URL] [--since SIZE]")
		return exitUsage
	}
	params := url.Values{}
	u := strings.TrimSuffix(*server, "/") + "/v1/evidence/streams/" + url.PathEscape(*stream)
	if *unit != "" {
		u = strings.TrimSuffix(*server, "/") + "/v1/evidence/units/" + url.PathEscape(*unit)
		params.Set("from", *from)
		params.Set("to", *to)
	}
	if *since > 0 {
		params.Set("since", strconv.FormatUint(*since, 10))
	}
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	data, err := fetch(ctx, u, token)
	if err != nil {
		return e.fail("evidence: %v", err)
	}
	if *withFiles {
		return e.writeArchive(ctx, strings.TrimSuffix(*server, "/"), token, data, *out, *allowMissing)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return e.fail("evidence: %v", err)
	}
	fmt.Fprintf(e.stderr, "evidence pack written to %s; check it with: ledgerctl verify-pack %s --key PUBKEY\n", *out, *out)
	return exitOK
}

// writeArchive fetches every file the pack's events cite (GET
// /v1/evidence/{sha256}, same token) into a ZIP archive with the pack,
// checking each against its size and digest as it downloads. The archive
// is built under a temporary name beside out and renamed there only when
// complete: a file that does not match leaves nothing behind.
func (e env) writeArchive(ctx context.Context, base, token string, packJSON []byte, out string, allowMissing bool) int {
	var p seal.Pack
	if err := json.Unmarshal(packJSON, &p); err != nil {
		return e.fail("evidence: the server's answer is not an evidence pack: %v", err)
	}
	refs, err := seal.PackFiles(p)
	if err != nil {
		return e.fail("evidence: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return e.fail("evidence: %v", err)
	}
	defer func() {
		if tmp != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w, err := seal.NewArchiveWriter(tmp, packJSON, p)
	if err != nil {
		return e.fail("evidence: %v", err)
	}
	files := seal.Distinct(refs)
	var got, missing int
	var bytesIn int64
	for _, ref := range files {
		err := fetchFile(ctx, base+"/v1/evidence/"+url.PathEscape(ref.SHA256), token, func(body io.Reader) error {
			return w.AddFile(ref, body)
		})
		switch {
		case errors.Is(err, errNoSuchFile) && allowMissing:
			w.Missing(ref)
			missing++
			fmt.Fprintf(e.stderr, "left out (the ledger does not hold it): %s\n", ref.Where())
			continue
		case errors.Is(err, errNoSuchFile):
			return e.fail("evidence: %s: the ledger does not hold this file (--allow-missing-files leaves such files out); no archive written", ref.Where())
		case err != nil:
			return e.fail("evidence: %v; no archive written", err)
		}
		got++
		bytesIn += ref.Size
	}
	if err := w.Close(); err != nil {
		return e.fail("evidence: %v", err)
	}
	if err := tmp.Sync(); err != nil {
		return e.fail("evidence: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return e.fail("evidence: %v", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return e.fail("evidence: %v", err)
	}
	tmp = nil
	fmt.Fprintf(e.stderr, "evidence archive written to %s: the pack (%d events) and %d of the %d files its events cite (%d bytes), each matching its digest",
		out, len(p.Events), got, len(files), bytesIn)
	if missing > 0 {
		fmt.Fprintf(e.stderr, "; %d left out", missing)
	}
	fmt.Fprintf(e.stderr, "\ncheck it with: ledgerctl verify-pack %s --key PUBKEY\n", out)
	return exitOK
}

// errNoSuchFile is a 404 from the file route: the ledger does not hold
// the file.
var errNoSuchFile = errors.New("no such file")

// fetchFile GETs one stored file and hands its body to read. A 404 is
// errNoSuchFile, a 403 says the token's scope does not reach it; any other
// answer but 200 shows the problem the server gave.
func fetchFile(ctx context.Context, u, token string, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return read(resp.Body)
	case http.StatusNotFound:
		return errNoSuchFile
	}
	problem, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("GET %s: 403: the token's scope does not reach this file: %s", u, strings.TrimSpace(string(problem)))
	}
	return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(problem)))
}

// audit proves the ledger's latest checkpoint extends the one the auditor
// saved last time (nothing recorded up to then was rewritten), then saves
// the new one. The first run trusts the checkpoint it finds, once its
// signature verifies, and says so.
func (e env) audit(ctx context.Context, args []string) int {
	fs := e.flags("audit")
	server := fs.String("server", e.def("LEDGER_URL", "http://127.0.0.1:8080"), "the ledger's API (LEDGER_URL)")
	key := fs.String("key", "", "the ledger's verifier key(s), or files holding them, comma-separated (required)")
	since := fs.String("since", "", "the checkpoint file saved by the last audit; created on the first (required)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *key == "" || *since == "" {
		fmt.Fprintln(e.stderr, "usage: ledgerctl audit --since FILE --key PUBKEY [--server URL]")
		return exitUsage
	}
	trusted, err := trustedKeys(*key)
	if err != nil {
		return e.fail("audit: --key: %v", err)
	}
	base := strings.TrimSuffix(*server, "/")
	data, err := fetch(ctx, base+"/v1/checkpoints/latest", "")
	if err != nil {
		return e.fail("audit: %v", err)
	}
	var served seal.Checkpoint
	if err := json.Unmarshal(data, &served); err != nil {
		return e.fail("audit: the latest checkpoint: %v", err)
	}
	latest, err := seal.Open([]byte(served.Note), trusted)
	if err != nil {
		fmt.Fprintln(e.stdout, "NOT VERIFIED: the latest checkpoint:", err)
		return exitFail
	}
	held, err := readCheckpoint(*since, trusted)
	switch {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(e.stdout, "FIRST AUDIT: checkpoint of %d events at %s, signed by %s (%s), trusted from now on.\n",
			latest.Size, latest.Time.Format(time.RFC3339), latest.KeyName, latest.KeyID)
	case err != nil:
		return e.fail("audit: --since: %v", err)
	default:
		if err := consistent(ctx, base, held, &latest); err != nil {
			fmt.Fprintln(e.stdout, "NOT VERIFIED:", err)
			return exitFail
		}
		fmt.Fprintf(e.stdout, "VERIFIED: the ledger's checkpoint of %d events (%s) extends the one of %d events (%s) you saved:\n"+
			"  nothing recorded up to then was changed, dropped or reordered; %d events were added since.\n",
			latest.Size, latest.Time.Format(time.RFC3339), held.Size, held.Time.Format(time.RFC3339), latest.Size-held.Size)
	}
	saved, _ := json.MarshalIndent(latest, "", "  ")
	tmp := *since + ".tmp"
	if err := os.WriteFile(tmp, append(saved, '\n'), 0o644); err != nil {
		return e.fail("audit: save: %v", err)
	}
	if err := os.Rename(tmp, *since); err != nil {
		return e.fail("audit: save: %v", err)
	}
	return exitOK
}

// consistent fetches and checks the proof that latest extends held.
func consistent(ctx context.Context, base string, held, latest *seal.Checkpoint) error {
	switch {
	case latest.Origin != held.Origin:
		return fmt.Errorf("the ledger's checkpoint is of %q, the one you saved of %q", latest.Origin, held.Origin)
	case latest.Size < held.Size:
		return fmt.Errorf("the ledger now shows %d events, fewer than the %d of the checkpoint you saved: history was cut", latest.Size, held.Size)
	case latest.Size == held.Size:
		if string(latest.Root) != string(held.Root) {
			return fmt.Errorf("the ledger's checkpoint of %d events has another root than the one you saved: history was rewritten", held.Size)
		}
		return nil
	}
	data, err := fetch(ctx, fmt.Sprintf("%s/v1/proofs/consistency?from=%d&to=%d", base, held.Size, latest.Size), "")
	if err != nil {
		return err
	}
	var c seal.Consistency
	if err := json.Unmarshal(data, &c); err != nil {
		return fmt.Errorf("the consistency proof: %w", err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, held.Size, latest.Size, c.Proof, held.Root, latest.Root); err != nil {
		return fmt.Errorf("the checkpoint of %d events does not extend the one of %d you saved: history was rewritten in between", latest.Size, held.Size)
	}
	return nil
}

// fetch GETs a URL, with a bearer token if given, and fails on any
// answer but 200, showing the problem the server gave.
func fetch(ctx context.Context, u, token string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(data)))
	}
	return data, nil
}
