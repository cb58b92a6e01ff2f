package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

const usage = `usage: ledgerbench <command> [flags]

commands:
  append   appends with fsync on: the embedded log, then PostgreSQL as the peer
  project  rebuilds the read models from a log, beside a raw insert of the same rows, then times every view query
  report   on a projected log: one month's rankings of every area (the view, and the acceptance's recount in Go) and the year-end report, beside count()
  http     commands over HTTP from concurrent clients, and audit and (with --clickhouse) dashboard reads under that load
  seal     the Merkle tree: the sealer's cost per 10,000 events, inclusion proofs at 1M and 10M events
  evidence evidence files: upload and download MB/s of 1 MB and 20 MB files beside cp on the same disk, p99 of 200 KB uploads by 16 clients

Run 'ledgerbench <command> -h' for a command's flags.
`

// Exit codes: 0 success, 1 the benchmark failed, 2 bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "append":
		return appendCmd(ctx, args[1:], stdout, stderr)
	case "project":
		return projectCmd(ctx, args[1:], stdout, stderr)
	case "report":
		return reportCmd(ctx, args[1:], stdout, stderr)
	case "http":
		return httpCmd(ctx, args[1:], stdout, stderr)
	case "seal":
		return sealCmd(ctx, args[1:], stdout, stderr)
	case "evidence":
		return evidenceCmd(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "ledgerbench: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

// appendConfig is what the append command was asked to do.
type appendConfig struct {
	Writers          []int
	Events           int // per configuration; 0 picks defaultEvents
	Warmup           int // per configuration, untimed, before the measured appends
	StreamsPerWriter int
	Dir              string
	Postgres         string
	JSON             string
	CPUProfile       string
}

// defaultEvents keeps each configuration at five seconds or more on a
// small machine without making a single-writer run take minutes.
func defaultEvents(writers int) int {
	if writers == 1 {
		return 20_000
	}
	return 150_000
}

func (c *appendConfig) Validate() error {
	if len(c.Writers) == 0 {
		return errors.New("--writers: give at least one writer count, e.g. --writers 1,32")
	}
	for _, w := range c.Writers {
		if w < 1 || w > 1024 {
			return fmt.Errorf("--writers: %d is out of range 1..1024", w)
		}
		if c.Events != 0 && c.Events < w {
			return fmt.Errorf("--events %d: need at least one event per writer (%d writers)", c.Events, w)
		}
	}
	if c.Events < 0 || c.Warmup < 0 {
		return errors.New("--events and --warmup must not be negative")
	}
	if c.StreamsPerWriter < 1 {
		return errors.New("--streams must be at least 1")
	}
	return nil
}

func parseWriters(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("--writers: %q is not a number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func appendCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ledgerbench append", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c appendConfig
	writers := fs.String("writers", "1,32", "comma-separated concurrent writer counts, one configuration each")
	fs.IntVar(&c.Events, "events", 0, "measured appends per configuration (default 20000 at 1 writer, 150000 otherwise)")
	fs.IntVar(&c.Warmup, "warmup", 2000, "untimed appends per configuration before measuring")
	fs.IntVar(&c.StreamsPerWriter, "streams", 4, "streams each writer rotates among")
	fs.StringVar(&c.Dir, "dir", "", "parent directory for the embedded logs (default: the system temp dir); they are removed after")
	fs.StringVar(&c.Postgres, "postgres", "", "PostgreSQL DSN of the peer; its events table is DROPPED and recreated (empty: skip the peer)")
	fs.StringVar(&c.JSON, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	var err error
	if c.Writers, err = parseWriters(*writers); err == nil {
		err = c.Validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "ledgerbench append:", err)
		return exitUsage
	}
	if err := benchAppend(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "ledgerbench append:", err)
		return exitFail
	}
	return exitOK
}

// report is the whole run, as written to --json.
type report struct {
	Started          time.Time `json:"started"`
	GoVersion        string    `json:"go_version"`
	CPUs             int       `json:"cpus"`
	StreamsPerWriter int       `json:"streams_per_writer"`
	PayloadBytes     int       `json:"payload_bytes"`
	Postgres         *pgInfo   `json:"postgres,omitempty"`
	Results          []result  `json:"results"`
	Ratios           []ratio   `json:"ratios,omitempty"`
}

// ratio is the embedded log's throughput over PostgreSQL's at one writer count.
type ratio struct {
	Writers int     `json:"writers"`
	Ratio   float64 `json:"embedded_over_postgres"`
}

func benchAppend(ctx context.Context, c appendConfig, stdout, stderr io.Writer) error {
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep := report{
		Started:          time.Now().UTC(),
		GoVersion:        runtime.Version(),
		CPUs:             runtime.NumCPU(),
		StreamsPerWriter: c.StreamsPerWriter,
		PayloadBytes:     len(newWorkload(0, 1).next().events[0].Payload),
	}
	var pg *pgPeer
	if c.Postgres == "" {
		fmt.Fprintln(stderr, "no --postgres DSN: skipping the PostgreSQL peer")
	} else {
		var err error
		if pg, err = openPostgres(ctx, c.Postgres); err != nil {
			return err
		}
		defer pg.Close()
		rep.Postgres = &pg.info
		fmt.Fprintf(stderr, "postgres %s: synchronous_commit=%s fsync=%s wal_sync_method=%s\n",
			pg.info.Version, pg.info.SynchronousCommit, pg.info.Fsync, pg.info.WALSyncMethod)
		if pg.info.SynchronousCommit != "on" || pg.info.Fsync != "on" {
			fmt.Fprintln(stderr, "WARNING: the peer does not wait for its WAL flush: its figures are not durable appends")
		}
	}
	parent, err := os.MkdirTemp(c.Dir, "ledgerbench-")
	if err != nil {
		return fmt.Errorf("embedded data dir: %w", err)
	}
	defer os.RemoveAll(parent)

	for _, w := range c.Writers {
		events := c.Events
		if events == 0 {
			events = defaultEvents(w)
		}
		emb, err := openEmbedded(fmt.Sprintf("%s/w%d", parent, w))
		if err != nil {
			return err
		}
		res, err := measure(ctx, "embedded", emb, w, c.StreamsPerWriter, c.Warmup, events, stderr)
		if cerr := emb.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("embedded: close: %w", cerr)
		}
		if err != nil {
			return err
		}
		rep.Results = append(rep.Results, res)
		if pg == nil {
			continue
		}
		// Each configuration starts from an empty table, as the embedded
		// log starts from an empty file, and gets a pool of one connection
		// per writer.
		if err := pg.reset(ctx, w); err != nil {
			return err
		}
		pres, err := measure(ctx, "postgres", pg, w, c.StreamsPerWriter, c.Warmup, events, stderr)
		if err != nil {
			return err
		}
		rep.Results = append(rep.Results, pres)
		rep.Ratios = append(rep.Ratios, ratio{Writers: w, Ratio: res.EventsPerSec / pres.EventsPerSec})
	}
	printReport(stdout, &rep)
	if c.JSON != "" {
		data, err := json.MarshalIndent(&rep, "", "  ")
		if err != nil {
			return fmt.Errorf("json: %w", err)
		}
		if err := os.WriteFile(c.JSON, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("json: %w", err)
		}
	}
	return nil
}

func printReport(out io.Writer, rep *report) {
	fmt.Fprintf(out, "append benchmark: fsync on, 1 event per append with an exact expected version, %d-byte JSON payload, %d streams per writer, %s, %d CPUs\n",
		rep.PayloadBytes, rep.StreamsPerWriter, rep.GoVersion, rep.CPUs)
	if rep.Postgres != nil {
		fmt.Fprintf(out, "peer: PostgreSQL %s, synchronous_commit=%s, fsync=%s\n", rep.Postgres.Version, rep.Postgres.SynchronousCommit, rep.Postgres.Fsync)
	} else {
		fmt.Fprintln(out, "peer: none (no --postgres DSN)")
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "writers\tstore\tevents\tseconds\tevents/s\tp50 ms\tp99 ms\tmax ms\tconflicts\t")
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.2f\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t\n",
			r.Writers, r.Store, r.Events, r.Seconds, r.EventsPerSec, r.P50ms, r.P99ms, r.Maxms, r.Conflicts)
	}
	tw.Flush()
	if len(rep.Ratios) > 0 {
		fmt.Fprintln(out)
	}
	for _, r := range rep.Ratios {
		fmt.Fprintf(out, "embedded/PostgreSQL throughput, %s: %.2fx\n", plural(r.Writers, "writer"), r.Ratio)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
