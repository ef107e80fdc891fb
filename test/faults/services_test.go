//go:build faults

package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freePort asks the kernel for a free loopback port. Another process may take
// it before we bind, but on a test machine that is rare enough.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitTCP waits until something accepts connections on addr.
func waitTCP(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not accepting after %s: %w", addr, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redisServer is a private redis-server with AOF on (as production runs it),
// so a stop and start keeps the click stream and its consumer group.
type redisServer struct {
	t    *testing.T
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed: the fault tests need a private Redis they can stop")
	}
	r := &redisServer{t: t, port: freePort(t), dir: t.TempDir()}
	r.Start()
	t.Cleanup(func() { r.Stop() })
	return r
}

// URL is the redis:// address for kite.
func (r *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// Start runs redis-server on its port and waits until it accepts.
func (r *redisServer) Start() {
	r.t.Helper()
	aof := "yes" // FAULTS_REDIS_AOF=no: without it, to tell what AOF costs a soak
	if os.Getenv("FAULTS_REDIS_AOF") == "no" {
		aof = "no"
	}
	args := []string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", aof, "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"),
		// as docker-compose.yml runs it: no rewrite of gigabytes during a run
		"--auto-aof-rewrite-min-size", "4gb", "--no-appendfsync-on-rewrite", "yes"}
	// FAULTS_REDIS_ARGS: more settings, e.g. "--no-appendfsync-on-rewrite yes" (split on spaces).
	args = append(args, strings.Fields(os.Getenv("FAULTS_REDIS_ARGS"))...)
	r.cmd = exec.Command("redis-server", args...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis: %v", err)
	}
	if err := waitTCP(fmt.Sprintf("127.0.0.1:%d", r.port), 10*time.Second); err != nil {
		r.t.Fatalf("redis: %v", err)
	}
}

// Stop shuts redis down (SIGTERM: it finishes its AOF and exits).
func (r *redisServer) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
	r.cmd = nil
}

// postgresServer is a private PostgreSQL cluster that can be stopped, or,
// when no cluster can be made here, a fresh database on the shared server
// (then Stop is not allowed and the Postgres-outage test skips).
type postgresServer struct {
	t       *testing.T
	port    int
	dir     string
	bin     string
	private bool
	url     string
	dropURL string // shared fallback: where to DROP the database afterwards
	dbName  string
}

// startPostgres makes the private cluster, or falls back to the shared one.
func startPostgres(t *testing.T) *postgresServer {
	t.Helper()
	p, err := newPrivatePostgres(t)
	if err == nil {
		return p
	}
	t.Logf("private PostgreSQL impossible (%v); falling back to a fresh database on the shared server", err)
	return sharedPostgres(t)
}

func newPrivatePostgres(t *testing.T) (*postgresServer, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, fmt.Errorf("no /usr/lib/postgresql/*/bin/initdb")
	}
	pgUser, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(pgUser.Uid)
	gid, _ := strconv.Atoi(pgUser.Gid)
	root, err := os.MkdirTemp("", "kite-faults-pg-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chown(root, uid, gid); err != nil {
		return nil, fmt.Errorf("chown %s: %w", root, err)
	}
	p := &postgresServer{t: t, port: freePort(t), dir: filepath.Join(root, "data"), bin: filepath.Dir(bins[len(bins)-1]), private: true}
	out, err := p.asPostgres(filepath.Join(p.bin, "initdb"), "-D", p.dir, "-A", "trust", "-U", "postgres", "--no-sync")
	if err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	p.Start()
	t.Cleanup(func() { p.Stop() })
	return p, nil
}

// asPostgres runs a PostgreSQL binary as the postgres user (it refuses root).
func (p *postgresServer) asPostgres(args ...string) (string, error) {
	cmd := exec.Command("su", "postgres", "-s", "/bin/sh", "-c", shellJoin(args))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// URL is the postgres:// address for kite.
func (p *postgresServer) URL() string { return p.url }

// Start starts the private cluster and waits until it accepts.
func (p *postgresServer) Start() {
	p.t.Helper()
	if !p.private {
		return
	}
	// fsync off: the outage tests stop Postgres cleanly; they test Kite, not
	// the disk, and the machine is shared.
	opts := fmt.Sprintf("-p %d -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.port)
	out, err := p.asPostgres(filepath.Join(p.bin, "pg_ctl"), "-D", p.dir, "-o", opts, "-l", filepath.Join(p.dir, "server.log"), "-w", "start")
	if err != nil {
		p.t.Fatalf("pg_ctl start: %v: %s", err, out)
	}
}

// Stop stops the private cluster at once (-m fast: sessions are cut).
func (p *postgresServer) Stop() {
	if !p.private {
		p.t.Fatal("the shared PostgreSQL cannot be stopped")
	}
	if out, err := p.asPostgres(filepath.Join(p.bin, "pg_ctl"), "-D", p.dir, "-m", "fast", "-w", "stop"); err != nil &&
		!strings.Contains(out, "is not running") && !strings.Contains(out, "No such file") {
		p.t.Logf("pg_ctl stop: %v: %s", err, out)
	}
}

// sharedPostgres makes a fresh database on the shared server.
func sharedPostgres(t *testing.T) *postgresServer {
	base := os.Getenv("FAULTS_SHARED_PG")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	name := fmt.Sprintf("kite_faults_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if err := execSQL(base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("shared PostgreSQL: %v", err)
	}
	p := &postgresServer{t: t, url: strings.Replace(base, "/postgres?", "/"+name+"?", 1), dropURL: base, dbName: name}
	t.Cleanup(func() { _ = execSQL(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return p
}

// execSQL runs one statement on url with a short-lived connection.
func execSQL(url, stmt string) error {
	db, err := openSQL(context.Background(), url)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Exec(stmt)
}
