/*
 * chdb-server: runs ClickHouse's own `clickhouse local` main from libchdb.so
 * (the npm package @chdb/lib-linux-x64-gnu, ClickHouse 26.x built as a
 * library), so a modern ClickHouse can serve the native and HTTP protocols
 * on a machine that has no modern ClickHouse package to install.
 *
 *   chdb-server [--restart] LIBCHDB [clickhouse local arguments...]
 *
 * It runs the server in a child process (and says how it ended; with
 * --restart it starts a server that died of a signal again), loads the
 * library there, hands the arguments to chdb_query_cmdline (which
 * is the whole `clickhouse local` command line: --path, --tcp_port,
 * --http_port, --listen_host, --query ...) and exits with its outcome.
 * deploy/clickhouse/start.sh gives it a query that starts the listeners
 * and then blocks reading a FIFO, so the process serves until stop.sh
 * writes to that FIFO (or sends SIGTERM).
 *
 * It is a test and development aid, not a production server: only the
 * default user with an empty password, no users.xml, no clusters, no
 * replication (see docs/operations.md, "Modern ClickHouse for tests").
 * C rather than Go so that the project's Go module takes no dependency for
 * it; start.sh builds it with the machine's gcc.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t server;
static volatile sig_atomic_t stopping;

/* SIGTERM and SIGINT are passed on, so the server shuts down as it would
 * when run by itself; they also end the launcher. */
static void forward(int sig) {
	stopping = 1;
	if (server > 0)
		kill(server, sig);
}

/* run loads the library and runs `clickhouse local` in this process. */
static int run(int argc, char **argv) {
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "chdb-server: load %s: %s\n", argv[1], dlerror());
		return 1;
	}
	void *(*query_cmdline)(int, char **) = (void *(*)(int, char **))dlsym(lib, "chdb_query_cmdline");
	const char *(*result_error)(void *) = (const char *(*)(void *))dlsym(lib, "chdb_result_error");
	if (!query_cmdline || !result_error) {
		fprintf(stderr, "chdb-server: %s lacks chdb_query_cmdline or chdb_result_error: not a libchdb.so of 24.x or later?\n", argv[1]);
		return 1;
	}
	/* The main parses argv as `clickhouse local` does: argv[0] is the
	 * program's name, the rest are its options. */
	argv[1] = "clickhouse";
	void *result = query_cmdline(argc - 1, argv + 1);
	if (!result) {
		fprintf(stderr, "chdb-server: clickhouse local returned no result\n");
		return 1;
	}
	const char *err = result_error(result);
	if (err && *err) {
		fprintf(stderr, "chdb-server: %s\n", err);
		return 1;
	}
	return 0;
}

/* serve runs the server in a child and waits for it, so that how the server
 * ended is always written down: the library resets ClickHouse's own fatal
 * signal handlers, and a server that dies of a signal would otherwise
 * leave an empty log. It returns the child's wait status. */
static int serve(int argc, char **argv) {
	pid_t parent = getpid();
	server = fork();
	if (server < 0) {
		perror("chdb-server: fork");
		exit(1);
	}
	if (server == 0) {
		/* A launcher killed with SIGKILL (as a test's crash does) takes
		 * its server with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		/* The launcher's own handlers are not the server's. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		exit(run(argc, argv));
	}
	int status;
	while (waitpid(server, &status, 0) < 0)
		;
	server = 0;
	return status;
}

int main(int argc, char **argv) {
	int restart = 0;
	if (argc > 1 && strcmp(argv[1], "--restart") == 0) {
		restart = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: chdb-server [--restart] LIBCHDB [clickhouse local arguments...]\n");
		return 2;
	}
	signal(SIGTERM, forward);
	signal(SIGINT, forward);
	time_t quick = 0; /* when the last of the quick deaths in a row began */
	int quick_deaths = 0;
	while (!stopping) {
		time_t began = time(NULL);
		int status = serve(argc, argv);
		if (!WIFSIGNALED(status))
			return WEXITSTATUS(status);
		int sig = WTERMSIG(status);
		fprintf(stderr, "chdb-server: the server died of signal %d (%s)\n", sig, strsignal(sig));
		/* With --restart a server that died of a signal it was not sent
		 * starts again on the same data, as systemd's Restart=on-abnormal
		 * would: libchdb 26.7 can abort when a client resets its
		 * connection. Five deaths within 10 s of their starts in a row is
		 * a server that cannot run: give up. */
		if (!restart || stopping)
			return 128 + sig;
		quick_deaths = time(NULL) - began < 10 ? quick_deaths + 1 : 0;
		if (quick_deaths == 1)
			quick = began;
		if (quick_deaths >= 5) {
			fprintf(stderr, "chdb-server: it died %d times in a row since %ld, each within 10 s of starting; giving up\n", quick_deaths, (long)quick);
			return 128 + sig;
		}
		fprintf(stderr, "chdb-server: starting it again\n");
	}
	return 0;
}
