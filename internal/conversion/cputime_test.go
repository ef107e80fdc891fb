package conversion

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kite-tracker/kite/internal/store"
)

// cpuMeter measures CPU per operation, which stays meaningful on a busy
// shared box where wall-clock throughput does not: this process's CPU, and
// on Postgres that of the server backends serving the test database (the
// other half of a postback's cost). Linux only (/proc); elsewhere it reports
// nothing.
type cpuMeter struct {
	st       *store.Store
	self, pg time.Duration
	xacts    int64
}

func startCPU(st *store.Store) *cpuMeter {
	return &cpuMeter{st: st, self: procCPU("self"), pg: backendsCPU(st), xacts: commits(st)}
}

// commits is the database's committed transactions (one per autocommit
// statement): the round trips that cost Postgres a commit each.
func commits(st *store.Store) int64 {
	var n int64
	if st.IsPostgres() {
		st.DB.Raw(`SELECT pg_stat_clear_snapshot()`).Scan(&struct{}{})
		st.DB.Raw(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	}
	return n
}

// report adds cpu-us/op and (Postgres) pg-cpu-us/op to b.
func (m *cpuMeter) report(b *testing.B) {
	if b.N == 0 {
		return
	}
	if self := procCPU("self"); self > 0 {
		b.ReportMetric(float64((self-m.self).Microseconds())/float64(b.N), "cpu-us/op")
	}
	if m.st.IsPostgres() {
		if pg := backendsCPU(m.st); pg > 0 {
			b.ReportMetric(float64((pg-m.pg).Microseconds())/float64(b.N), "pg-cpu-us/op")
		}
		time.Sleep(time.Second) // backends report their counts when idle, at most once a second
		b.ReportMetric(float64(commits(m.st)-m.xacts)/float64(b.N), "pg-xact/op")
	}
}

// backendsCPU sums the CPU of the server processes connected to the
// store's database (they are on this host in the test setup).
func backendsCPU(st *store.Store) time.Duration {
	if !st.IsPostgres() {
		return 0
	}
	var pids []int
	st.DB.Raw(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).Scan(&pids)
	var sum time.Duration
	for _, p := range pids {
		sum += procCPU(strconv.Itoa(p))
	}
	return sum
}

// procCPU is utime+stime of /proc/<pid>/stat (clock ticks of 10 ms).
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
