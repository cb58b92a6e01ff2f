package projections

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// ServerVersion is a ClickHouse server's release, major.minor, as its
// version() tells it ("18.16.1", "26.7.2.1"). The read models run on
// Debian's 18.16 and on current releases; what only a newer server offers
// is used behind a method of this type, so each gate is named once and
// both of its branches are tested (deploy/local/test.sh runs every
// ClickHouse test on an 18.16 and a 26.7 server).
type ServerVersion struct{ Major, Minor int }

func (v ServerVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is major.minor or later.
func (v ServerVersion) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// AggregateProjections reports whether the server keeps a table's
// projections (ALTER TABLE ... ADD PROJECTION) and answers a GROUP BY from
// one. They came in 21.6 as experimental; 23.8, a long-term release, is
// the first this project relies on.
func (v ServerVersion) AggregateProjections() bool { return v.AtLeast(23, 8) }

// ReadServerVersion asks the server for its version.
func ReadServerVersion(ctx context.Context, q Querier) (ServerVersion, error) {
	var text string
	if err := q.QueryRow(ctx, "SELECT version()").Scan(&text); err != nil {
		return ServerVersion{}, fmt.Errorf("clickhouse version: %w", err)
	}
	return ParseServerVersion(text)
}

// ParseServerVersion reads the major and minor release of a version()
// string.
func ParseServerVersion(text string) (ServerVersion, error) {
	parts := strings.SplitN(text, ".", 3)
	if len(parts) < 2 {
		return ServerVersion{}, fmt.Errorf("clickhouse version %q: want major.minor[.patch...]", text)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || major < 0 || minor < 0 {
		return ServerVersion{}, fmt.Errorf("clickhouse version %q: want major.minor[.patch...]", text)
	}
	return ServerVersion{Major: major, Minor: minor}, nil
}
