//go:build faults

package faults

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	adminKey    = "faults-admin-api-key"
	postbackKey = "faultspbkey"
)

// kiteBin is bin/kite from `make build` (or FAULTS_KITE_BIN).
func kiteBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("FAULTS_KITE_BIN"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "bin", "kite")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("bin/kite not found (%v): run `make build` first (scripts/faults.sh does)", err)
	}
	return p
}

// kiteNode is one `kite serve` process.
type kiteNode struct {
	t       *testing.T
	name    string
	addr    string
	env     []string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
}

// nodeConfig is what differs between nodes and runs.
type nodeConfig struct {
	name     string
	pg       *postgresServer
	redis    *redisServer
	spoolDir string            // keep the same dir across a restart so the spool is replayed
	extra    map[string]string // more KITE_* settings
}

// startNode starts bin/kite serve --migrate and waits for /healthz.
func startNode(t *testing.T, c nodeConfig) *kiteNode {
	t.Helper()
	n := &kiteNode{t: t, name: c.name, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	if c.spoolDir == "" {
		c.spoolDir = filepath.Join(t.TempDir(), "spool")
	}
	env := map[string]string{
		"KITE_LISTEN":            n.addr,
		"KITE_DATABASE_URL":      c.pg.URL(),
		"KITE_REDIS_URL":         c.redis.URL(),
		"KITE_REDIS_PREFIX":      "faults:",
		"KITE_ADMIN_API_KEY":     adminKey,
		"KITE_ADMIN_PASSWORD":    "faults-admin-password",
		"KITE_POSTBACK_KEY":      postbackKey,
		"KITE_S2S_ALLOW_PRIVATE": "127.0.0.0/8",
		"KITE_CLICKS_SPOOL_DIR":  c.spoolDir,
		"KITE_SHUTDOWN_TIMEOUT":  "20s",
		"KITE_LOG_FORMAT":        "text",
	}
	for k, v := range c.extra {
		env[k] = v
	}
	for _, kv := range os.Environ() { // the caller's own KITE_* must not leak into the run
		if !strings.HasPrefix(kv, "KITE_") {
			n.env = append(n.env, kv)
		}
	}
	for k, v := range env {
		n.env = append(n.env, k+"="+v)
	}
	n.logPath = filepath.Join(artifactDir(t), c.name+".log")
	_ = os.Remove(n.logPath) // a log holds the last run only (restarts within it append)
	n.start()
	return n
}

// artifactDir keeps node logs after the test: test-artifacts/faults/<test>.
func artifactDir(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "test-artifacts", "faults", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact dir: %v", err)
	}
	return dir
}

func (n *kiteNode) start() {
	n.t.Helper()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatalf("log file: %v", err)
	}
	n.cmd = exec.Command(kiteBin(n.t), "serve", "--migrate")
	n.cmd.Env = n.env
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		n.t.Fatalf("start kite: %v", err)
	}
	n.exited = make(chan struct{})
	go func() { n.exitErr = n.cmd.Wait(); logf.Close(); close(n.exited) }()
	n.t.Cleanup(func() { n.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(n.url("/healthz"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-n.exited:
			n.t.Fatalf("%s exited during start-up (%v); log tail:\n%s", n.name, n.exitErr, n.logTail(30))
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: no /healthz after 60s; log tail:\n%s", n.name, n.logTail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restart starts the same node again (same address, env and spool).
func (n *kiteNode) restart() {
	n.t.Helper()
	n.start()
}

func (n *kiteNode) url(path string) string { return "http://" + n.addr + path }

// signal sends sig and waits for the exit; it returns the exit code.
func (n *kiteNode) signal(sig syscall.Signal, within time.Duration) (int, error) {
	if err := n.cmd.Process.Signal(sig); err != nil {
		return -1, err
	}
	select {
	case <-n.exited:
	case <-time.After(within):
		return -1, fmt.Errorf("%s did not exit %s after %v", n.name, within, sig)
	}
	return n.cmd.ProcessState.ExitCode(), nil
}

func (n *kiteNode) kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.exited:
	default:
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
}

// logTail is the last lines of the node's log, for failure messages.
func (n *kiteNode) logTail(lines int) string {
	b, _ := os.ReadFile(n.logPath)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// metric reads one sample of a Prometheus metric (no labels) from /metrics.
func (n *kiteNode) metric(name string) (float64, error) {
	resp, err := http.Get(n.url("/metrics"))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? (\S+)`)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			return strconv.ParseFloat(m[2], 64)
		}
	}
	return 0, fmt.Errorf("metric %s not found", name)
}

// rss is the node's resident memory in kB (/proc/PID/status VmRSS).
func (n *kiteNode) rss() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				v, _ := strconv.Atoi(f[1])
				return v
			}
		}
	}
	return 0
}

// readyz answers /readyz's status code (0 when nothing answered).
func (n *kiteNode) readyz() int {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(n.url("/readyz"))
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
