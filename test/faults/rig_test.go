//go:build faults

package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rig is one scenario's world: private Redis and Postgres, an S2S receiver,
// Kite node(s) and a campaign.
type rig struct {
	t     *testing.T
	redis *redisServer
	pg    *postgresServer
	rcv   *s2sReceiver
	nodes []*kiteNode
	camp  campaignSetup
	db    *sqlDB
}

// newRig starts everything with nodes Kite nodes (extra env per run).
func newRig(t *testing.T, nodes int, extra map[string]string) *rig {
	t.Helper()
	rg := &rig{t: t, redis: startRedis(t), pg: startPostgres(t), rcv: startReceiver(t)}
	for i := range nodes {
		rg.nodes = append(rg.nodes, startNode(t, nodeConfig{name: fmt.Sprintf("node%d", i+1), pg: rg.pg,
			redis: rg.redis, extra: extra}))
	}
	rg.camp = setupCampaign(t, rg.nodes[0], "faults1", rg.rcv.URL())
	for _, n := range rg.nodes {
		waitServed(t, n, rg.camp.alias, 40*time.Second)
	}
	db, err := openSQL(t.Context(), rg.pg.URL())
	if err != nil {
		t.Fatalf("open SQL: %v", err)
	}
	t.Cleanup(db.Close)
	rg.db = db
	return rg
}

// duration reads a scenario length from the environment (FAULTS_*).
func duration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// rate reads a load rate from the environment (FAULTS_*), per second.
func rate(name string, def int) int {
	var v int
	if _, err := fmt.Sscan(os.Getenv(name), &v); err == nil && v > 0 {
		return v
	}
	return def
}

// verdict prints the scenario's one-line result (to stdout, the test log and
// test-artifacts/faults/verdicts.txt) and fails the test when !ok.
func verdict(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	status := "PASS"
	if !ok {
		status = "FAIL"
	}
	line := fmt.Sprintf("VERDICT %s %s: %s", status, t.Name(), fmt.Sprintf(format, args...))
	fmt.Println(line)
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "test-artifacts", "faults")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		if f, err := os.OpenFile(filepath.Join(dir, "verdicts.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), line)
			f.Close()
		}
	}
	if !ok {
		t.Error(strings.TrimPrefix(line, "VERDICT "))
	}
}
