package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cxzy/ledger/api"
	"github.com/cxzy/ledger/command"
	"github.com/cxzy/ledger/domain/catalog"
	"github.com/cxzy/ledger/eventlog/connect"
	"github.com/cxzy/ledger/evidence"
)

// EvidenceConfig configures the store of evidence files.
type EvidenceConfig struct {
	Dir          string        // where the files are kept: a directory, or an s3:// URL
	MaxSize      int64         // the largest file accepted
	UnitQuota    int64         // bytes of distinct uncollected files per unit; 0: no quota
	Grace        time.Duration // how long an upload nobody cites is kept
	External     bool          // commands may cite files the store does not hold
	CollectEvery time.Duration // how often the collector looks
	// CollectMargin is how long after a collection is recorded its bytes
	// are kept: longer than any command that checked the file before may
	// take to land its citation.
	CollectMargin time.Duration
}

// The defaults: 50 MiB a file, 2 GiB a unit, three days to cite an upload.
const (
	defaultEvidenceMaxSize = "50MiB"
	defaultEvidenceQuota   = "2GiB"
)

func (c *EvidenceConfig) flags(fs *flag.FlagSet, def func(env, fallback string) string, text *evidenceText) {
	fs.StringVar(&c.Dir, "evidence-dir", def("LEDGER_EVIDENCE_DIR", ""), "where evidence files are kept: a directory, or s3://bucket/prefix?endpoint=host:port for an S3-compatible store shared by replicas (default: beside the embedded log, or under --data-dir)")
	text.maxSize = def("LEDGER_EVIDENCE_MAX_SIZE", defaultEvidenceMaxSize)
	fs.StringVar(&text.maxSize, "evidence-max-size", text.maxSize, "the largest evidence file accepted, e.g. 50MiB")
	text.quota = def("LEDGER_EVIDENCE_UNIT_QUOTA", defaultEvidenceQuota)
	fs.StringVar(&text.quota, "evidence-unit-quota", text.quota, "bytes of distinct evidence files a unit may hold uncollected, e.g. 2GiB; 0: no quota")
	text.grace = def("LEDGER_EVIDENCE_GRACE", "72h")
	fs.StringVar(&text.grace, "evidence-grace", text.grace, "how long an upload no event cites is kept before it is collected, e.g. 72h")
	text.external = def("LEDGER_EVIDENCE_EXTERNAL_REFS", "false")
	fs.Var(boolText{&text.external}, "evidence-external-refs", "let commands cite evidence files the store does not hold: true or false")
	text.every = def("LEDGER_EVIDENCE_COLLECT_EVERY", "1h")
	fs.StringVar(&text.every, "evidence-collect-every", text.every, "how often uploads nobody cites are looked for, e.g. 1h")
	text.margin = def("LEDGER_EVIDENCE_COLLECT_MARGIN", evidence.DefaultSafetyMargin.String())
	fs.StringVar(&text.margin, "evidence-collect-margin", text.margin, "how long a collected file's bytes are kept after the collection is recorded, at least 1m")
}

// evidenceText is the flags' text, parsed once they are all read.
type evidenceText struct{ maxSize, quota, grace, external, every, margin string }

// finish completes the configuration after the flags are parsed.
func (c *EvidenceConfig) finish(log connect.Config, text evidenceText) error {
	var err error
	if c.MaxSize, err = parseSize(text.maxSize); err != nil || c.MaxSize <= 0 {
		return fmt.Errorf("--evidence-max-size (LEDGER_EVIDENCE_MAX_SIZE) %q: want a positive size such as 50MiB", text.maxSize)
	}
	if c.UnitQuota, err = parseSize(text.quota); err != nil || c.UnitQuota < 0 {
		return fmt.Errorf("--evidence-unit-quota (LEDGER_EVIDENCE_UNIT_QUOTA) %q: want a size such as 2GiB, or 0 for no quota", text.quota)
	}
	if c.Grace, err = time.ParseDuration(text.grace); err != nil || c.Grace < time.Hour {
		return fmt.Errorf("--evidence-grace (LEDGER_EVIDENCE_GRACE) %q: want a duration of at least 1h such as 72h (an upload has to be cited in it)", text.grace)
	}
	if c.External, err = strconv.ParseBool(text.external); err != nil {
		return fmt.Errorf("--evidence-external-refs (LEDGER_EVIDENCE_EXTERNAL_REFS) %q: want true or false", text.external)
	}
	if c.CollectEvery, err = time.ParseDuration(text.every); err != nil || c.CollectEvery <= 0 {
		return fmt.Errorf("--evidence-collect-every (LEDGER_EVIDENCE_COLLECT_EVERY) %q: want a positive duration such as 1h", text.every)
	}
	if c.CollectMargin, err = time.ParseDuration(text.margin); err != nil || c.CollectMargin < time.Minute {
		return fmt.Errorf("--evidence-collect-margin (LEDGER_EVIDENCE_COLLECT_MARGIN) %q: want a duration of at least 1m such as 10m (a command that checked a file must have landed by then)", text.margin)
	}
	if c.Dir == "" {
		if log.EventStore == connect.Embedded {
			// Beside the log, not in it: the log's directory is Pebble's.
			c.Dir = filepath.Clean(log.DataDir) + "-evidence"
		} else {
			c.Dir = filepath.Join(log.DataDir, "evidence")
		}
	}
	return nil
}

// parseSize reads a size in bytes, with an optional unit: KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

// startEvidence opens the store and the index; the index starts
// following the log in runEvidenceIndex.
func (m *Main) startEvidence(ctx context.Context, reg *prometheus.Registry) error {
	store, err := openEvidenceStore(ctx, m.cfg.Evidence.Dir)
	if err != nil {
		return err
	}
	m.evidenceStore = store
	m.evidenceIndex = evidence.NewIndex(m.log, catalog.New())
	m.collected = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ledger_evidence_collected_total",
		Help: "Evidence files collected (nobody cited them within the grace period) since this process started: files and bytes."}, []string{"what"})
	reg.MustRegister(m.collected)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "ledger_evidence_index_events",
		Help: "Events the evidence index has read from the log."}, func() float64 { return float64(m.evidenceIndex.Events()) }))
	return nil
}

// openEvidenceStore opens the store where: an s3:// URL names an
// S3-compatible bucket (several replicas share it; credentials from the
// environment, see docs/operations.md), anything else a directory.
func openEvidenceStore(ctx context.Context, where string) (evidence.Store, error) {
	if !strings.HasPrefix(where, "s3://") {
		return evidence.OpenDir(where)
	}
	cfg, err := evidence.ParseS3URL(where)
	if err != nil {
		return nil, fmt.Errorf("--evidence-dir (LEDGER_EVIDENCE_DIR): %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return evidence.OpenS3(ctx, cfg)
}

// evidenceAPI is the evidence routes' configuration over h.
func (m *Main) evidenceAPI(h *command.Handler) *api.Evidence {
	c := m.cfg.Evidence
	return &api.Evidence{Store: m.evidenceStore, Index: m.evidenceIndex, Handler: h, Scope: api.Scope{Handler: h},
		MaxSize: c.MaxSize, UnitQuota: c.UnitQuota, Grace: c.Grace, AllowExternal: c.External}
}

// runEvidenceIndex keeps the index following the log until bg ends,
// starting it again after a failure. Every replica runs it: each decides
// scope and quota from its own.
func (m *Main) runEvidenceIndex(bg context.Context) {
	m.keepRunning(bg, "evidence index", m.evidenceIndex.Run)
}

// evidenceCheck is the readiness check of the index: ready once it has
// read the log.
func (m *Main) evidenceCheck() api.Check {
	return api.Check{Name: "evidence_index", Check: func(context.Context) (any, error) {
		details := map[string]any{"position": m.evidenceIndex.Position().Commit, "events": m.evidenceIndex.Events(), "dir": m.cfg.Evidence.Dir}
		if !m.evidenceIndex.Ready() {
			return details, evidence.ErrNotReady
		}
		return details, nil
	}}
}

// runCollector collects uploads nobody cited every CollectEvery, as the
// evidence-collector actor: a singleton, so that two replicas do not
// record the same collection twice.
func (m *Main) runCollector(bg context.Context) {
	c := &evidence.Collector{Store: m.evidenceStore, Index: m.evidenceIndex, Handler: command.NewHandler(m.writes, catalog.New()),
		Grace: m.cfg.Evidence.Grace, SafetyMargin: m.cfg.Evidence.CollectMargin, Logger: m.logger}
	m.every(bg, m.cfg.Evidence.CollectEvery, func(ctx context.Context) {
		res, err := c.Collect(ctx, time.Now())
		m.collected.WithLabelValues("files").Add(float64(len(res.Collected)))
		m.collected.WithLabelValues("bytes").Add(float64(res.Bytes))
		if err != nil && !errors.Is(err, evidence.ErrNotReady) {
			m.logger.Warn("evidence collector", "err", err)
		}
		if len(res.Recorded) > 0 || len(res.Collected) > 0 || len(res.Kept) > 0 {
			m.logger.Info("evidence collector: uploads nobody cited", "recorded_collected", len(res.Recorded),
				"deleted_files", len(res.Collected), "deleted_bytes", res.Bytes, "kept", len(res.Kept))
		}
		m.cleanTemporary(ctx)
	})
}

// cleanTemporary removes what uploads cut short left in an S3 store
// (temporary objects, unfinished multipart uploads) once older than a
// day, far beyond any upload in progress. A directory store removes its
// own leftovers when it opens.
func (m *Main) cleanTemporary(ctx context.Context) {
	s3, ok := m.evidenceStore.(*evidence.S3)
	if !ok {
		return
	}
	n, err := s3.CleanTemporary(ctx, 24*time.Hour)
	if err != nil {
		m.logger.Warn("evidence store: removing temporary objects", "err", err)
	}
	if n > 0 {
		m.logger.Info("evidence store: removed temporary objects of uploads cut short", "objects", n)
	}
}
