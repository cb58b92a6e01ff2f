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

// Server is a clickhouse-server process of one test's own, for tests that
// stop and start ClickHouse: the shared server (DSN) must never go away
// under the other tests.
type Server struct {
	tb   testing.TB
	dir  string
	tcp  int
	argv []string // the command that runs the server
	cmd  *exec.Cmd
	done chan error // receives the process's exit
}

// Flavour is the kind of the shared test server: "debian" (Debian's
// clickhouse-server 18.16, the default) or "modern" (26.x from libchdb).
func Flavour() string {
	if v := os.Getenv("LEDGER_TEST_CLICKHOUSE_FLAVOUR"); v != "" {
		return v
	}
	return "debian"
}

// startModern is StartServer for the modern flavour: no configuration
// files (the library reads none), the listeners started by the query, and
// a last query that blocks reading a FIFO nobody writes, so the server
// runs until it is signalled.
func startModern(tb testing.TB) *Server {
	tb.Helper()
	launcher, lib := os.Getenv("LEDGER_TEST_CHDB_LAUNCHER"), os.Getenv("LEDGER_TEST_CHDB_LIBRARY")
	if launcher == "" || lib == "" {
		tb.Fatal("chtest: the modern flavour needs LEDGER_TEST_CHDB_LAUNCHER and LEDGER_TEST_CHDB_LIBRARY (deploy/local/test.sh sets them)")
	}
	s := &Server{tb: tb, dir: tb.TempDir(), tcp: freePort(tb)}
	for _, d := range []string{"data", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	fifo := filepath.Join(s.dir, "block.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		tb.Fatal(err)
	}
	s.argv = []string{launcher, lib,
		"--path", filepath.Join(s.dir, "data"), "--listen_host", "127.0.0.1",
		"--tcp_port", fmt.Sprint(s.tcp), "--http_port", fmt.Sprint(freePort(tb)),
		"--log-level", "warning", "--poll_interval", "1", // as the debian profile: Stop need not wait 10 s for idle connections
		"--query", "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; SELECT * FROM file('" + fifo + "', 'LineAsString') FORMAT Null"}
	tb.Cleanup(s.Stop)
	s.Start()
	return s
}

// StartServer starts a clickhouse-server on free loopback ports with its
// configuration and data in a temporary directory, waits until it
// answers, and stops it when the test ends. The configuration has the
// shape of deploy/clickhouse/start.sh's.
//
// When the shared server is the modern one (LEDGER_TEST_CLICKHOUSE_FLAVOUR
// = modern, set by deploy/local/test.sh), the private server is modern
// too: the launcher LEDGER_TEST_CHDB_LAUNCHER running the library
// LEDGER_TEST_CHDB_LIBRARY, as deploy/clickhouse/modern.sh runs them.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	if Flavour() == "modern" {
		return startModern(tb)
	}
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		tb.Fatalf("chtest: no clickhouse-server (deploy/clickhouse/start.sh installs it): %v", err)
	}
	s := &Server{tb: tb, dir: tb.TempDir(), tcp: freePort(tb)}
	http, interserver := freePort(tb), freePort(tb)
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	config := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>%[1]s/log/server.log</log>
        <errorlog>%[1]s/log/error.log</errorlog>
    </logger>
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
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>67108864</mark_cache_size>
</yandex>
`, s.dir, s.tcp, http, interserver)
	// poll_interval: an idle connection's handler looks at the shutdown
	// flag only this often (10 s by default), and the projector keeps
	// idle connections, so each Stop would take 10 s.
	users := `<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage><poll_interval>1</poll_interval></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
`
	for name, text := range map[string]string{"config.xml": config, "users.xml": users} {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	s.argv = []string{"clickhouse-server", "--config-file=" + filepath.Join(s.dir, "config.xml")}
	tb.Cleanup(s.Stop) // registered first, so it runs after the cleanups of Open
	s.Start()
	return s
}

// freePort is a loopback port nobody listened on a moment ago. Another
// process may take it before the server binds it; the server then fails
// to start and the test says so.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// DSN is the server's address, for LEDGER_TEST_CLICKHOUSE (so that Open
// and Connect use it).
func (s *Server) DSN() string { return fmt.Sprintf("clickhouse://127.0.0.1:%d", s.tcp) }

// Start starts the server (again, on the same data and ports) and waits,
// polling with a deadline, until it answers a ping.
func (s *Server) Start() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("chtest: the private server is already running")
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "log", "stdout.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer out.Close() // the child has its own descriptor
	cmd := exec.Command(s.argv[0], s.argv[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = s.dir, out, out
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // see halt
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("chtest: start %s: %v", s.argv[0], err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for !s.answers() {
		select {
		case err := <-s.done:
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.dir, "log", "error.log"))
			stdout, _ := os.ReadFile(filepath.Join(s.dir, "log", "stdout.log"))
			s.tb.Fatalf("chtest: private server %s exited: %v\n%s\n%s", s.argv[0], err, log, stdout)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("chtest: private server %s on %s did not answer within 60 s", s.argv[0], s.DSN())
		}
	}
}

func (s *Server) answers() bool {
	opts, err := clickhouse.ParseDSN(s.DSN())
	if err != nil {
		return false
	}
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

// Exited reports whether the server's process has ended by itself (it
// crashed); Start may then start it again.
func (s *Server) Exited() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		s.cmd = nil
		return true
	default:
		return false
	}
}

// Stop stops the server (SIGTERM, as an operator would: running queries
// finish first) and waits until the process has exited; after 30 s it
// kills it. Stopping a stopped server does nothing.
func (s *Server) Stop() { s.halt(syscall.SIGTERM) }

// Kill kills the server (SIGKILL, as a crash or the OOM killer would:
// inserts die half-sent) and waits until the process has exited.
func (s *Server) Kill() { s.halt(syscall.SIGKILL) }

func (s *Server) halt(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	// The modern launcher's server is its child, killed with it by the
	// kernel but not waited for by us: the next Start must not find it
	// still holding the data directory.
	pgid := s.cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	s.cmd = nil
}
