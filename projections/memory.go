package projections

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// TuneGCForReplay sets the garbage collector for replaying a whole log
// (rebuild, reconcile, benchmarks). Replay allocates briskly and keeps
// little, so collecting less often (GOGC 400) buys about a fifth of a
// rebuild's time. Unbounded, that lets the heap grow to five times what
// is live: at 10M events a rebuild then reached 20 GB and would have
// been killed. So the heap is also held under half the machine's memory
// (a soft limit: the collector works harder near it rather than grow
// past it). A GOMEMLIMIT or GOGC in the environment wins.
func TuneGCForReplay() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if total := physicalMemory(); total > 0 {
		debug.SetMemoryLimit(total / 2)
	}
}

// physicalMemory is the machine's memory in bytes from /proc/meminfo, or
// 0 where there is none (not Linux).
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
