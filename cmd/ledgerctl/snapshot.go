package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/schollz/progressbar/v3"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/embedded"
)

// snapshot copies a stopped embedded log into a new snapshot directory.
// A running ledgerd holds the directory's lock: snapshot it online with
// POST /v1/admin/snapshots instead.
func (e env) snapshot(ctx context.Context, args []string) int {
	fs := e.flags("snapshot")
	dataDir := fs.String("data-dir", e.def("LEDGER_DATA_DIR", "data"), "embedded event log directory, ledgerd stopped (LEDGER_DATA_DIR)")
	out := fs.String("out", "", "new directory to write the snapshot to (must not exist)")
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
	m, err := s.Snapshot(ctx, *out)
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
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *from == "" || *dataDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "ledgerctl restore: --from SNAPSHOT and --data-dir NEW are required")
		return exitUsage
	}
	var bar *progressbar.ProgressBar
	m, rep, err := embedded.Restore(ctx, *from, *dataDir, func(done, total uint64) {
		if bar == nil {
			bar = e.progress(int64(total), "verifying")
		}
		bar.Set64(int64(done))
	})
	var ve *eventlog.VerifyError
	if errors.As(err, &ve) {
		return e.verifyFailed(err)
	}
	if err != nil {
		return e.fail("restore: %v", err)
	}
	return e.printManifest(fmt.Sprintf("restored into %s and verified: %d events in %d streams, positions 1..%d with no gap, global chain head %s",
		*dataDir, rep.Events, rep.Streams, rep.Last.Commit, rep.Chain), m)
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
