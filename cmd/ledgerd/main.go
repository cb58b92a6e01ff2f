// Command ledgerd is the ledger service: it opens the event log and serves
// the HTTP API.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, exit, run := configure(os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if !run {
		os.Exit(exit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(cfg, logger)
	if err := m.Run(ctx); err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	<-ctx.Done()
	if err := m.Close(); err != nil {
		logger.Error("shutdown", "err", err)
		os.Exit(1)
	}
}
