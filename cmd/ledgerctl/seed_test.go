package main

import (
	"strings"
	"testing"
)

func TestSeedWritesVerifiableDistrict(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := ledgerctl(t, "seed", "--data-dir", dir, "--events", "2000", "--until", "2025-05-20", "--seed", "3", "--workers", "8")
	if code != exitOK {
		t.Fatalf("seed = %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, want := range []string{"until 2025-05-20", "events written:", "共确定活动主题", "评选先锋模范人物", "evidence files go to " + dir + "-evidence", "evidence files: "} {
		if !strings.Contains(out, want) {
			t.Errorf("seed said %q, want it to contain %q", out, want)
		}
	}
	if code, out, errOut := ledgerctl(t, "verify", "--data-dir", dir); code != exitOK {
		t.Fatalf("verify = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, again, errOut := ledgerctl(t, "seed", "--data-dir", dir, "--events", "2000", "--until", "2025-05-20", "--seed", "3", "--workers", "8")
	if code != exitOK || !strings.Contains(again, "events written: 0 ") {
		t.Fatalf("re-run = %d, stdout %q, stderr %q; want nothing written", code, again, errOut)
	}
	figures := func(s string) string { return s[strings.Index(s, "全区"):] }
	if figures(again) != figures(out) {
		t.Errorf("re-run figures %q, first run %q", figures(again), figures(out))
	}
}

func TestSeedRejectsBadUntil(t *testing.T) {
	code, _, errOut := ledgerctl(t, "seed", "--data-dir", t.TempDir(), "--until", "20-05-2025")
	if code != exitUsage || !strings.Contains(errOut, "--until") {
		t.Errorf("seed = %d, stderr %q; want usage error naming --until", code, errOut)
	}
}
