package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/domain/checkpoint"
	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/projections"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// report writes the year-end summary of a year (package report): every
// figure computed at a signed checkpoint in ClickHouse and again from the
// log, printed where they agree and footnoted with its SQL and the
// checkpoint. The checkpoint is the latest the log records (ledgerd signs
// one every minute), or, with --seal-key-file, one this command signs and
// records now. It exits 1 when a figure disagrees.
func (e env) report(ctx context.Context, args []string) int {
	fs := e.flags("report")
	cfg := e.logFlags(fs)
	dsn := e.clickhouseFlag(fs)
	year := fs.Int("year", 0, "the year summarised, 2000 to 2099 (required)")
	area := fs.String("area", "", "one area's summary (default: the district's)")
	format := fs.String("format", "md", "md (Markdown), html (one page for A4 printing, with SVG charts), xlsx (the figures and their footnotes) or json")
	out := fs.String("out", "", "write to this file (default: standard output)")
	keys := fs.String("key", e.def("LEDGER_SEAL_VERIFIER_KEYS", ""), "the ledger's verifier key(s), or files holding them, comma-separated: the checkpoint's signature is checked first (LEDGER_SEAL_VERIFIER_KEYS)")
	keyFile := fs.String("seal-key-file", e.def("LEDGER_SEAL_KEY_FILE", ""), "sign and record a checkpoint of the log as it stands, and report at it (the signing key from ledgerctl keygen; LEDGER_SEAL_KEY_FILE)")
	merkleDir := fs.String("merkle-dir", e.def("LEDGER_MERKLE_DIR", ""), "with --seal-key-file: the Merkle tree (default: beside the embedded log, as ledgerd keeps it)")
	origin := fs.String("ledger-name", e.def("LEDGER_NAME", "cxzy-ledger"), "with --seal-key-file: the origin line of the checkpoint (LEDGER_NAME)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the projections to reach the checkpoint")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	switch {
	case *year < 2000 || *year > 2099:
		fmt.Fprintln(e.stderr, "usage: ledgerctl report --data-dir DIR --clickhouse DSN --year YYYY [--area A] [--format md|html|xlsx|json] [--out FILE]")
		return exitUsage
	case *format != "md" && *format != "html" && *format != "xlsx" && *format != "json":
		fmt.Fprintf(e.stderr, "ledgerctl report: --format %s: want md, html, xlsx or json\n", *format)
		return exitUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(e.stderr, "ledgerctl report:", err)
		return exitUsage
	}
	log, err := connect.Open(ctx, *cfg)
	if err != nil {
		return e.fail("report: %v", err)
	}
	defer log.Close()
	conn, db, err := projections.Connect(ctx, *dsn)
	if err != nil {
		return e.fail("report: %v", err)
	}
	defer conn.Close()
	src := report.Source{Log: log, Registry: catalog.New(), Conn: conn, DB: db, Wait: *wait,
		Position: func(ctx context.Context) (uint64, error) {
			pos, err := projections.ReadCheckpoint(ctx, conn, db, "live")
			return pos.Commit, err
		}}
	var cp seal.Checkpoint
	if *keyFile != "" {
		dir := *merkleDir
		if dir == "" {
			if cfg.EventStore != connect.Embedded {
				fmt.Fprintln(e.stderr, "ledgerctl report: with --seal-key-file and KurrentDB, give --merkle-dir")
				return exitUsage
			}
			dir = filepath.Clean(cfg.DataDir) + "-merkle"
		}
		var verifier string
		if cp, verifier, err = sealNow(ctx, log, *keyFile, dir, *origin); err != nil {
			return e.fail("report: %v", err)
		}
		*keys = strings.Trim(*keys+","+verifier, ",")
	} else if cp, err = latestCheckpoint(ctx, log); err != nil {
		return e.fail("report: %v", err)
	}
	if *keys != "" {
		if src.Trusted, err = trustedKeys(*keys); err != nil {
			return e.fail("report: --key: %v", err)
		}
	}
	rp, err := report.Build(ctx, src, cp, report.Params{Year: *year, Area: *area})
	if errors.Is(err, report.ErrNotProjected) {
		return e.fail("report: %v: run ledgerctl project (or let ledgerd's projector catch up) and try again", err)
	}
	if err != nil {
		return e.fail("report: %v", err)
	}
	w := e.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return e.fail("report: %v", err)
		}
		defer f.Close()
		w = f
	}
	if err := writeReport(w, rp, *format); err != nil {
		return e.fail("report: %v", err)
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "ledgerctl report: %d figures at the checkpoint of %d events (%s) written to %s\n",
			len(rp.Figures), rp.Checkpoint.Size, rp.Checkpoint.Root, *out)
	}
	if rp.Disagreements > 0 {
		fmt.Fprintf(e.stderr, "ledgerctl report: %d figures differ between ClickHouse and the log: they are marked, not printed; run ledgerctl reconcile\n", rp.Disagreements)
		return exitFail
	}
	return exitOK
}

func writeReport(w io.Writer, rp *report.Report, format string) error {
	switch format {
	case "html":
		return rp.HTML(w)
	case "xlsx":
		return rp.XLSX(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rp)
	}
	return rp.Markdown(w)
}

// latestCheckpoint is the last signed checkpoint the log records.
func latestCheckpoint(ctx context.Context, log eventlog.Store) (seal.Checkpoint, error) {
	evs, err := log.ReadStream(ctx, checkpoint.Stream, 0, eventlog.Backwards, 1)
	if errors.Is(err, eventlog.ErrStreamNotFound) || (err == nil && len(evs) == 0) {
		return seal.Checkpoint{}, errors.New("the log records no signed checkpoint: run ledgerd with --seal-key-file (it signs one every minute), " +
			"or give --seal-key-file to sign one now")
	}
	if err != nil {
		return seal.Checkpoint{}, err
	}
	var s checkpoint.Sealed
	if err := json.Unmarshal(evs[0].Payload, &s); err != nil {
		return seal.Checkpoint{}, fmt.Errorf("the latest checkpoint: %w", err)
	}
	return report.CheckpointOf(s.Size, s.Root, s.Note, s.KeyName, s.KeyID, s.SealedAt)
}

// sealNow signs a checkpoint of the log as it stands and records it, as
// ledgerd's sealer does, and returns it with its verifier key.
func sealNow(ctx context.Context, log eventlog.Store, keyFile, merkleDir, origin string) (seal.Checkpoint, string, error) {
	signer, err := seal.LoadSigner("", keyFile)
	if err != nil {
		return seal.Checkpoint{}, "", err
	}
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return seal.Checkpoint{}, "", err
	}
	verifier, err := seal.VerifierOf(strings.TrimSpace(string(data)))
	if err != nil {
		return seal.Checkpoint{}, "", err
	}
	tree, err := seal.OpenTree(merkleDir)
	if err != nil {
		return seal.Checkpoint{}, "", err
	}
	defer tree.Close()
	s := &seal.Sealer{Log: log, Tree: tree, Handler: command.NewHandler(log, catalog.New()), Signer: signer, Origin: origin}
	cp, err := s.SealLog(ctx)
	if err != nil {
		return seal.Checkpoint{}, "", fmt.Errorf("seal: %w", err)
	}
	return cp, verifier, nil
}
