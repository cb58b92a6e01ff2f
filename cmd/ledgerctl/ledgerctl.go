package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/cxzy/ledger/eventlog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/eventlog/embedded"
)

const usage = `usage: ledgerctl <command> [flags]

commands:
  verify     check every event's hash, every stream's chain and the global order
  seed       write a demo district through the write path
  project    catch the ClickHouse read models up with the log
  rebuild    replay the whole log into new read-model tables and swap them in
  reconcile  compare every figure in ClickHouse with the same figure from the log
  report     write the year-end summary (Markdown, HTML, xlsx), every figure footnoted with its SQL and the signed checkpoint
  snapshot   copy a stopped embedded log into a snapshot directory with a manifest
  restore    copy a snapshot into an empty data directory and verify it in full
  token      mint a development token signed with LEDGER_JWT_SECRET
  keygen     make a checkpoint signing key (secret to a file, verifier key to stdout)
  evidence   fetch an evidence pack of a stream from the API (--with-files: a ZIP with the files it cites)
  verify-pack  verify an evidence pack (or archive, and its files) offline with the ledger's public key
  audit      prove the ledger's latest checkpoint extends the one saved last time

Run 'ledgerctl <command> -h' for a command's flags.
`

// Exit codes: 0 success, 1 the check failed or the work did, 2 bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "verify":
		return e.verify(ctx, args[1:])
	case "seed":
		return e.seed(ctx, args[1:])
	case "project":
		return e.project(ctx, args[1:])
	case "rebuild":
		return e.rebuild(ctx, args[1:])
	case "reconcile":
		return e.reconcile(ctx, args[1:])
	case "report":
		return e.report(ctx, args[1:])
	case "token":
		return e.token(args[1:])
	case "keygen":
		return e.keygen(args[1:])
	case "evidence":
		return e.evidence(ctx, args[1:])
	case "verify-pack":
		return e.verifyPack(args[1:])
	case "audit":
		return e.audit(ctx, args[1:])
	case "snapshot":
		return e.snapshot(ctx, args[1:])
	case "restore":
		return e.restore(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "ledgerctl: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// def returns the environment's value for name, or fallback.
func (e env) def(name, fallback string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return fallback
}

func (e env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("ledgerctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func (e env) logFlags(fs *flag.FlagSet) *connect.Config {
	var c connect.Config
	fs.StringVar(&c.DataDir, "data-dir", e.def("LEDGER_DATA_DIR", "data"), "embedded event log directory (LEDGER_DATA_DIR)")
	fs.StringVar(&c.EventStore, "eventstore", e.def("LEDGER_EVENTSTORE", connect.Embedded), `"embedded" or an esdb:// connection string (LEDGER_EVENTSTORE)`)
	return &c
}

func (e env) fail(format string, args ...any) int {
	fmt.Fprintf(e.stderr, "ledgerctl: "+format+"\n", args...)
	return exitFail
}

// progress returns a progress bar on stderr for total units of work.
func (e env) progress(total int64, what string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }),
	)
}

func (e env) verify(ctx context.Context, args []string) int {
	fs := e.flags("verify")
	cfg := e.logFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(e.stderr, "ledgerctl verify:", err)
		return exitUsage
	}
	if cfg.EventStore == connect.Embedded {
		if _, err := os.Stat(cfg.DataDir); err != nil {
			return e.fail("verify: data dir: %v", err)
		}
		var bar *progressbar.ProgressBar
		rep, err := embedded.Verify(ctx, cfg.DataDir, func(done, total uint64) {
			if bar == nil {
				bar = e.progress(int64(total), "verifying")
			}
			bar.Set64(int64(done))
		})
		if err != nil {
			return e.verifyFailed(err)
		}
		fmt.Fprintf(e.stdout, "ok: %d events in %d streams verified; positions 1..%d with no gap; global chain head %s\n",
			rep.Events, rep.Streams, rep.Last.Commit, rep.Chain)
		return exitOK
	}
	log, err := connect.Open(ctx, *cfg)
	if err != nil {
		return e.fail("verify: %v", err)
	}
	defer log.Close()
	v := eventlog.NewVerifier(false)
	after := eventlog.Start
	for {
		page, err := log.ReadAll(ctx, after, 1000)
		if err != nil {
			return e.fail("verify: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			if err := v.Check(&page[i]); err != nil {
				return e.verifyFailed(err)
			}
		}
		after = page[len(page)-1].Position
		fmt.Fprintf(e.stderr, "\rverified %d events", v.Count())
	}
	fmt.Fprintf(e.stdout, "\nok: %d events in %d streams verified up to position %v\n", v.Count(), len(v.Heads()), v.Last())
	return exitOK
}

func (e env) verifyFailed(err error) int {
	var ve *eventlog.VerifyError
	if errors.As(err, &ve) {
		fmt.Fprintf(e.stdout, "FAILED at %v\n", ve)
		return exitFail
	}
	return e.fail("verify: %v", err)
}
