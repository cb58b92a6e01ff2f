package projections

import (
	"runtime/debug"
	"testing"
)

// TestTuneGCForReplay: the collector runs at GOGC 400, with the heap held
// under half the machine's memory, unless the environment says otherwise.
func TestTuneGCForReplay(t *testing.T) {
	total := physicalMemory()
	if total <= 0 {
		t.Skip("no /proc/meminfo here")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))

	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	TuneGCForReplay()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC is %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != total/2 {
		t.Errorf("memory limit is %d, want half of %d", got, total)
	}

	t.Setenv("GOMEMLIMIT", "3GiB")
	t.Setenv("GOGC", "200")
	debug.SetMemoryLimit(1 << 40)
	TuneGCForReplay()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, GOGC was changed to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("with GOMEMLIMIT set, the limit was changed to %d", got)
	}
}
