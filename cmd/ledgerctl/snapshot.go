package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/schollz/progressbar/v3"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// snapshot copies a stopped embedded log into a new snapshot directory.
// A running ledgerd holds the directory's lock: snapshot it online with
// POST /v1/admin/snapshots instead.
func (e env) snapshot(ctx context.Context, args []string) int {
	fs := e.flags("snapshot")
	dataDir := fs.String("data-dir", e.def("LEDGER_DATA_DIR", "data"), "embedded event log directory, ledgerd stopped (LEDGER_DATA_DIR)")
	out := fs.String("out", "", "new directory to write the snapshot to (must not exist)")
	evDir := e.evidenceFlag(fs, "the evidence store to copy into the snapshot")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "ledgerctl snapshot: --out DIR is required")
		return exitUsage
	}
	if _, err := os.Stat(*dataDir); err != nil {
		return e.fail("snapshot: data dir: %v", err)
	}
	evidenceFrom := evidenceDir(*evDir, connect.Config{EventStore: connect.Embedded, DataDir: *dataDir})
	if embedded.IsS3(evidenceFrom) {
		return e.fail("snapshot: --evidence-dir %s: %v", evidenceFrom, embedded.ErrEvidenceS3)
	}
	s, err := embedded.Open(*dataDir, embedded.Options{})
	if err != nil {
		return e.fail("snapshot: %v", err)
	}
	m, err := s.SnapshotWith(ctx, *out, embedded.SnapshotOptions{EvidenceDir: evidenceFrom})
	if cerr := s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return e.fail("snapshot: %v", err)
	}
	return e.printManifest("snapshot written to "+*out, m)
}

// restore copies a snapshot into an empty data directory and verifies it
// in full before the directory is put in place.
func (e env) restore(ctx context.Context, args []string) int {
	fs := e.flags("restore")
	from := fs.String("from", "", "snapshot directory (holds manifest.json)")
	dataDir := fs.String("data-dir", "", "new data directory: absent or empty")
	evDir := e.evidenceFlag(fs, "new evidence store directory, absent or empty, for a snapshot that holds one")
	allowMissing := fs.Bool("allow-missing-files", false, "accept a snapshot whose log cites, or has standing uploads of, files it does not hold (kept elsewhere, or deleted by hand); they are listed")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *from == "" || *dataDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "ledgerctl restore: --from SNAPSHOT and --data-dir NEW are required")
		return exitUsage
	}
	evidenceTo := evidenceDir(*evDir, connect.Config{EventStore: connect.Embedded, DataDir: *dataDir})
	sm, err := embedded.ReadManifest(*from)
	if err != nil {
		return e.fail("restore: %v", err)
	}
	inS3 := embedded.IsS3(evidenceTo)
	if inS3 && sm.Evidence.Listing != "" {
		return e.fail("restore: --evidence-dir %s: the snapshot holds an evidence store (%d files), which restores only into a directory: %v",
			evidenceTo, sm.Evidence.Files, embedded.ErrEvidenceS3)
	}
	// Every file the log cites or has a standing upload for must be in
	// the snapshot (restore then re-hashes each): a listing or manifest
	// edited to drop files would otherwise restore without them. Checked
	// before anything is written, so a refusal leaves nothing behind.
	var missing string
	if !inS3 {
		cov, err := embedded.CheckSnapshotEvidence(ctx, *from)
		if err != nil {
			// A damaged log: say where, as the restore's own verification
			// would.
			var ve *eventlog.VerifyError
			if _, verr := embedded.Verify(ctx, filepath.Join(*from, embedded.SnapshotLog), nil); errors.As(verr, &ve) {
				return e.verifyFailed(fmt.Errorf("the snapshot's log does not verify: %w", verr))
			}
			return e.fail("restore: evidence: %v", err)
		}
		if len(cov.Missing) > 0 {
			missing = fmt.Sprintf("%d of the %d files the log cites or has standing uploads for are not in the snapshot: %s",
				len(cov.Missing), cov.Needed, cov.Describe(5))
			if !*allowMissing {
				return e.fail("restore: %s; nothing was restored (--allow-missing-files accepts this, for files kept elsewhere)", missing)
			}
		}
	}
	var bar *progressbar.ProgressBar
	m, rep, err := embedded.RestoreWith(ctx, *from, *dataDir, embedded.RestoreOptions{EvidenceDir: evidenceTo, Progress: func(done, total uint64) {
		if bar == nil {
			bar = e.progress(int64(total), "verifying")
		}
		bar.Set64(int64(done))
	}})
	var ve *eventlog.VerifyError
	if errors.As(err, &ve) {
		return e.verifyFailed(err)
	}
	if err != nil {
		return e.fail("restore: %v", err)
	}
	what := fmt.Sprintf("restored into %s and verified: %d events in %d streams, positions 1..%d with no gap, global chain head %s",
		*dataDir, rep.Events, rep.Streams, rep.Last.Commit, rep.Chain)
	switch {
	case m.Evidence.Listing != "":
		what += fmt.Sprintf("; evidence store restored into %s: %d files (%d bytes), each re-hashed and matching its digest",
			evidenceTo, m.Evidence.Files, m.Evidence.Bytes)
	case inS3:
		what += "; the snapshot holds no evidence store: the files are in the S3 store " + evidenceTo + " (not checked here)"
	default:
		what += "; the snapshot holds no evidence store (taken before snapshots included it, or of a log whose store is in S3)"
	}
	if missing != "" {
		what += "; NOT RESTORED, accepted by --allow-missing-files: " + missing
	} else if !inS3 {
		what += "; every file the log cites or has a standing upload for is in place"
	}
	return e.printManifest(what, m)
}

// evidenceFlag adds --evidence-dir (LEDGER_EVIDENCE_DIR); evidenceDir
// resolves its default once the data directory is known.
func (e env) evidenceFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("evidence-dir", e.def("LEDGER_EVIDENCE_DIR", ""),
		what+" (LEDGER_EVIDENCE_DIR; default: beside an embedded log, <data-dir>-evidence, else <data-dir>/evidence)")
}

// evidenceDir is where the evidence store lives: as given, else beside an
// embedded log (like the Merkle tree's <data-dir>-merkle: the log's own
// directory is Pebble's), else under the data directory.
func evidenceDir(given string, log connect.Config) string {
	switch {
	case given != "":
		return given
	case log.EventStore == connect.Embedded:
		return filepath.Clean(log.DataDir) + "-evidence"
	}
	return filepath.Join(log.DataDir, "evidence")
}

func (e env) printManifest(what string, m embedded.Manifest) int {
	fmt.Fprintln(e.stdout, "ok:", what)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return e.fail("%v", err)
	}
	fmt.Fprintln(e.stdout, string(data))
	return exitOK
}
