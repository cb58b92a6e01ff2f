package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/cxzy/ledger/eventlog"
)

// store is one side of the comparison: it appends events to a stream whose
// last version the writer states, and reports errConflict when the stream
// is elsewhere.
type store interface {
	append(ctx context.Context, stream string, expected uint64, events []eventlog.Event) error
}

// errConflict is an append refused because of its expected version.
var errConflict = errors.New("expected version conflict")

// appendTimeout bounds one append; a store that stalls this long is broken,
// not slow.
const appendTimeout = 30 * time.Second

// result is one store at one writer count.
type result struct {
	Store        string  `json:"store"`
	Writers      int     `json:"writers"`
	Events       int     `json:"events"`
	Conflicts    int     `json:"conflicts"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	Maxms        float64 `json:"max_ms"`
}

// pledgeProgress is the payload: a pledge's progress report, the most
// common event of the ledger, about 400 bytes of JSON, mostly Chinese.
type pledgeProgress struct {
	PledgeID  string   `json:"pledge_id"`
	Period    string   `json:"period"`
	Percent   int      `json:"percent"`
	Summary   string   `json:"summary"`
	Evidence  []string `json:"evidence"`
	Reporter  string   `json:"reporter"`
	Reviewed  bool     `json:"reviewed"`
	NextCheck string   `json:"next_check"`
}

var summaries = []string{
	"已完成本季度承诺事项：社区垃圾分类覆盖率提升至百分之八十五，新增分类投放点十二处，组织居民培训六场。",
	"老旧小区改造进度过半：完成外墙保温与管网更换，加装电梯三部，剩余楼栋预计下月底前完工并验收。",
	"便民服务中心已延长办理时间，窗口等候时长平均缩短至十分钟以内，群众满意度调查结果为九十二分。",
	"河道整治第二阶段完成：清淤四千立方米，沿岸绿化带补植乔木二百株，水质监测指标连续三月达标。",
}

// streamHead is what a writer knows of one of its streams.
type streamHead struct {
	name    string
	version uint64
	hash    eventlog.Hash
}

// workload is one writer's deterministic sequence of appends: the same
// writer number gives the same streams, commands and payloads, so every
// store receives identical work.
type workload struct {
	writer  int
	streams []streamHead
	seq     int
}

// pendingAppend is one append about to be made.
type pendingAppend struct {
	head   *streamHead
	events []eventlog.Event
}

func newWorkload(writer, streams int) *workload {
	w := &workload{writer: writer}
	for i := range streams {
		w.streams = append(w.streams, streamHead{name: fmt.Sprintf("pledge-w%03d-s%02d", writer, i)})
	}
	return w
}

// next builds the next append: one event on the next stream in rotation,
// chained onto that stream's head like the write path does.
func (w *workload) next() pendingAppend {
	head := &w.streams[w.seq%len(w.streams)]
	w.seq++
	cmd := fmt.Sprintf("bench-w%03d-%08d", w.writer, w.seq)
	payload, err := json.Marshal(pledgeProgress{
		PledgeID:  head.name,
		Period:    fmt.Sprintf("2025-Q%d", w.seq%4+1),
		Percent:   w.seq % 101,
		Summary:   summaries[w.seq%len(summaries)],
		Evidence:  []string{fmt.Sprintf("附件-%d-现场照片.jpg", w.seq), fmt.Sprintf("附件-%d-验收记录.pdf", w.seq)},
		Reporter:  "街道办事处 王主任",
		Reviewed:  w.seq%3 == 0,
		NextCheck: "2025-12-31",
	})
	if err != nil {
		panic(err) // a fixed struct of strings and ints always encodes
	}
	now := time.Now()
	events := []eventlog.Event{{
		ID:            eventlog.EventID(cmd, 0),
		Type:          "pledge.progress_reported",
		OccurredAt:    now.Add(-time.Hour),
		RecordedAt:    now,
		Actor:         fmt.Sprintf("clerk-%d", w.writer),
		Unit:          "unit-7",
		CommandID:     cmd,
		SchemaVersion: 1,
		Payload:       payload,
	}}
	eventlog.Chain(head.name, head.version, head.hash, events)
	return pendingAppend{head: head, events: events}
}

// done moves the stream's head past an acknowledged append.
func (p pendingAppend) done() {
	last := p.events[len(p.events)-1]
	p.head.version, p.head.hash = last.Version, last.Hash
}

// measure runs warmup untimed appends and then events timed ones against
// s, spread over writers goroutines.
func measure(ctx context.Context, name string, s store, writers, streams, warmup, events int, stderr io.Writer) (result, error) {
	loads := make([]*workload, writers)
	for i := range loads {
		loads[i] = newWorkload(i, streams)
	}
	var conflicts atomic.Int64
	if warmup > 0 {
		fmt.Fprintf(stderr, "%s, %d writers: warming up with %d appends\n", name, writers, warmup)
		if _, err := runWriters(ctx, s, loads, warmup, &conflicts, nil); err != nil {
			return result{}, fmt.Errorf("%s, %d writers, warm-up: %w", name, writers, err)
		}
	}
	conflicts.Store(0)
	bar := progressbar.NewOptions(events,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(fmt.Sprintf("%s, %d writers", name, writers)),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(250*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
	)
	var count atomic.Int64
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	// The bar is fed from a counter, not by the writers, so that its lock
	// is not one more thing they contend on.
	ticker.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				bar.Set64(count.Load())
			case <-stop:
				bar.Set64(count.Load())
				return
			}
		}
	})
	start := time.Now()
	lat, err := runWriters(ctx, s, loads, events, &conflicts, &count)
	elapsed := time.Since(start)
	close(stop)
	ticker.Wait()
	if err != nil {
		return result{}, fmt.Errorf("%s, %d writers: %w", name, writers, err)
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return result{
		Store:        name,
		Writers:      writers,
		Events:       events,
		Conflicts:    int(conflicts.Load()),
		Seconds:      elapsed.Seconds(),
		EventsPerSec: float64(events) / elapsed.Seconds(),
		P50ms:        ms(percentile(lat, 50)),
		P99ms:        ms(percentile(lat, 99)),
		Maxms:        ms(lat[len(lat)-1]),
	}, nil
}

// percentile returns the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)]
}

// runWriters makes total appends, split evenly among the workloads, one
// goroutine each, and returns every append's latency. A conflict is
// counted and the writer moves on; any other error stops the run.
func runWriters(ctx context.Context, s store, loads []*workload, total int, conflicts, count *atomic.Int64) ([]time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lat := make([][]time.Duration, len(loads))
	var wg sync.WaitGroup
	for i, w := range loads {
		n := total / len(loads)
		if i < total%len(loads) {
			n++
		}
		lat[i] = make([]time.Duration, 0, n)
		wg.Go(func() {
			for range n {
				a := w.next()
				actx, acancel := context.WithTimeout(ctx, appendTimeout)
				t0 := time.Now()
				err := s.append(actx, a.head.name, a.head.version, a.events)
				d := time.Since(t0)
				acancel()
				switch {
				case errors.Is(err, errConflict):
					conflicts.Add(1)
				case err != nil:
					cancel(err)
					return
				default:
					a.done()
				}
				lat[i] = append(lat[i], d)
				if count != nil {
					count.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return slices.Concat(lat...), nil
}
