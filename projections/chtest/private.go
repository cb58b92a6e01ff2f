package chtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Private is a ClickHouse server of one test's own, for tests that stop
// and start it: the shared server must never go away under other tests.
type Private struct {
	tb   testing.TB
	dir  string
	tcp  int
	cmd  *exec.Cmd
	done chan error
}

// StartPrivate starts a clickhouse-server on free loopback ports with its
// data in a temporary directory, and stops it when the test ends.
func StartPrivate(tb testing.TB) *Private {
	tb.Helper()
	p := &Private{tb: tb, dir: tb.TempDir(), tcp: freePort(tb)}
	http, inter := freePort(tb), freePort(tb)
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(p.dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>%[1]s/log/server.log</log><errorlog>%[1]s/log/error.log</errorlog></logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%[2]d</tcp_port>
    <http_port>%[3]d</http_port>
    <interserver_http_port>%[4]d</interserver_http_port>
    <path>%[1]s/data/</path>
    <tmp_path>%[1]s/tmp/</tmp_path>
    <user_files_path>%[1]s/user_files/</user_files_path>
    <format_schema_path>%[1]s/format_schemas/</format_schema_path>
    <users_config>%[1]s/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>67108864</mark_cache_size>
</yandex>
`, p.dir, p.tcp, http, inter)
	users := `<?xml version="1.0"?>
<yandex>
    <profiles><default></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
    <quotas><default></default></quotas>
</yandex>
`
	if err := os.WriteFile(filepath.Join(p.dir, "config.xml"), []byte(config), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "users.xml"), []byte(users), 0o644); err != nil {
		tb.Fatal(err)
	}
	p.Start()
	tb.Cleanup(p.Stop)
	return p
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DSN is the private server's address.
func (p *Private) DSN() string { return fmt.Sprintf("clickhouse://127.0.0.1:%d", p.tcp) }

// Start starts the server (again) on the same data and ports and waits,
// polling with a deadline, until it answers.
func (p *Private) Start() {
	p.tb.Helper()
	cmd := exec.Command("clickhouse-server", "--config-file="+filepath.Join(p.dir, "config.xml"))
	cmd.Dir = p.dir
	if err := cmd.Start(); err != nil {
		p.tb.Fatalf("chtest: start clickhouse-server: %v", err)
	}
	p.cmd, p.done = cmd, make(chan error, 1)
	go func() { p.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if p.answers() {
			return
		}
		select {
		case err := <-p.done:
			log, _ := os.ReadFile(filepath.Join(p.dir, "log", "error.log"))
			p.tb.Fatalf("chtest: clickhouse-server exited: %v\n%s", err, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.tb.Fatal("chtest: private clickhouse-server did not answer within 60 s")
		}
	}
}

func (p *Private) answers() bool {
	opts, _ := clickhouse.ParseDSN(p.DSN())
	opts.DialTimeout = time.Second
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return false
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return conn.Ping(ctx) == nil
}

// Stop stops the server and waits until it has exited.
func (p *Private) Stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}
