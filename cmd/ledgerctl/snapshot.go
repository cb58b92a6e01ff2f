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
	s, err := embedded.Open(*dataDir, embedded.Options{})
	if err != nil {
		return e.fail("snapshot: %v", err)
	}
	m, err := s.SnapshotWith(ctx, *out, embedded.SnapshotOptions{EvidenceDir: evidenceDir(*evDir, connect.Config{EventStore: connect.Embedded, DataDir: *dataDir})})
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
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *from == "" || *dataDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "ledgerctl restore: --from SNAPSHOT and --data-dir NEW are required")
		return exitUsage
	}
	var bar *progressbar.ProgressBar
	evidenceTo := evidenceDir(*evDir, connect.Config{EventStore: connect.Embedded, DataDir: *dataDir})
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
	if m.Evidence.Listing != "" {
		what += fmt.Sprintf("; evidence store restored into %s: %d files (%d bytes), each re-hashed and matching its digest",
			evidenceTo, m.Evidence.Files, m.Evidence.Bytes)
	} else {
		what += "; the snapshot holds no evidence store (taken before snapshots included it)"
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
