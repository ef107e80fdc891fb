package conversion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/kite-tracker/kite/internal/model"
)

// modelConv is the test's own idea of one conversion.
type modelConv struct {
	status  string
	payout  float64
	revenue float64
}

// rulesModel restates shared/API.md's rules, independently of rules.go.
type rulesModel struct {
	policy string
	upsell bool
	convs  map[string]map[string]*modelConv // click -> tid -> conversion
	s2s    int                              // S2S postbacks owed (the source wants every status)
}

type randomPostback struct {
	click, tid, status string
	payout             string // "" = absent
	currency           string
}

func (m *rulesModel) apply(p randomPostback) string {
	byTID := m.convs[p.click]
	if byTID == nil {
		byTID = map[string]*modelConv{}
		m.convs[p.click] = byTID
	}
	amount, rev := 5.0, 5.0 // the offer's payout, USD
	if p.payout != "" {
		amount, _ = strconv.ParseFloat(p.payout, 64)
		rev = amount
		if p.currency == "EUR" {
			rev = math.Round(amount*1.1*1e4) / 1e4
		}
	}
	cur, ok := byTID[p.tid]
	switch {
	case !ok:
		if p.status == "rebill" && !m.upsell && m.policy != "accept" {
			return "ignored"
		}
		byTID[p.tid] = &modelConv{status: p.status, payout: amount, revenue: rev}
		m.s2s++
		return "accepted"
	case cur.status == p.status && m.policy == "accept":
		n := 2
		for byTID[p.tid+"#"+strconv.Itoa(n)] != nil {
			n++
		}
		byTID[p.tid+"#"+strconv.Itoa(n)] = &modelConv{status: p.status, payout: amount, revenue: rev}
		m.s2s++
		return "accepted"
	case cur.status == p.status && m.policy == "update":
		if p.payout != "" {
			cur.payout, cur.revenue = amount, rev
		}
		return "updated"
	case cur.status == p.status:
		return "duplicate"
	}
	allowed := map[string]string{"lead>sale": "", "lead>rejected": "", "sale>rejected": "", "rebill>rejected": ""}
	if _, ok := allowed[cur.status+">"+p.status]; !ok {
		return "ignored"
	}
	cur.status = p.status
	if p.payout != "" {
		cur.payout, cur.revenue = amount, rev
	}
	m.s2s++
	return "updated"
}

func genPostbacks(r *rand.Rand, clicks []string, n int) []randomPostback {
	statuses := []string{"lead", "lead", "sale", "sale", "rejected", "rebill"}
	tids := []string{"", "", "t1", "t2"}
	out := make([]randomPostback, 0, n)
	for len(out) < n {
		p := randomPostback{click: clicks[r.IntN(len(clicks))], tid: tids[r.IntN(len(tids))],
			status: statuses[r.IntN(len(statuses))]}
		if r.IntN(3) > 0 {
			p.payout = strconv.FormatFloat(float64(r.IntN(5000))/100, 'f', -1, 64)
			if r.IntN(3) == 0 {
				p.currency = "EUR"
			}
		}
		out = append(out, p)
		if r.IntN(4) == 0 { // an exact resend, as networks do
			out = append(out, p)
		}
	}
	return out
}

func TestConversionRulesProperty(t *testing.T) {
	for _, policy := range []string{model.DuplicateIgnore, model.DuplicateUpdate, model.DuplicateAccept} {
		for _, upsell := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/upsell=%v", policy, upsell), func(t *testing.T) {
				f := newFixture(t, func(f *fixture) {
					f.network.DuplicatePolicy = policy
					f.offer.PayoutUpsell = upsell
				})
				// Each seed plays on clicks of its own; the model covers them all.
				m := &rulesModel{policy: policy, upsell: upsell, convs: map[string]map[string]*modelConv{}}
				for seed := uint64(1); seed <= 4; seed++ {
					checkRandomSequence(t, f, m, seed)
				}
			})
		}
	}
}

func checkRandomSequence(t *testing.T, f *fixture, m *rulesModel, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	var clicks []string
	for range 4 {
		clicks = append(clicks, f.click(true).ID)
	}
	for i, p := range genPostbacks(r, clicks, 40) {
		vals := url.Values{"subid": {p.click}, "status": {p.status}}
		if p.tid != "" {
			vals.Set("tid", p.tid)
		}
		if p.payout != "" {
			vals.Set("payout", p.payout)
		}
		if p.currency != "" {
			vals.Set("currency", p.currency)
		}
		res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Method: "GET", RemoteIP: "203.0.113.1", Values: vals})
		if err != nil {
			t.Fatalf("seed %d #%d %+v: %v", seed, i, p, err)
		}
		if want := m.apply(p); res.Outcome != want {
			t.Fatalf("seed %d #%d %+v: outcome %s, model says %s", seed, i, p, res.Outcome, want)
		}
	}
	for _, click := range clicks {
		got := map[string]model.Conversion{}
		for _, c := range f.conversions(click) {
			got[c.TID] = c
		}
		want := m.convs[click]
		if len(got) != len(want) {
			t.Fatalf("seed %d click %s: %d conversions, model has %d", seed, click, len(got), len(want))
		}
		for tid, w := range want {
			g, ok := got[tid]
			if !ok || g.Status != w.status || math.Abs(g.Payout-w.payout) > 1e-9 || math.Abs(g.Revenue-w.revenue) > 1e-9 {
				t.Errorf("seed %d click %s tid %q: got %+v, model %+v", seed, click, tid, g, *w)
			}
		}
	}
	total := 0
	for _, byTID := range m.convs {
		total += len(byTID)
	}
	if n := f.count("conversions", ""); n != int64(total) {
		t.Errorf("seed %d: %d conversions in all, model has %d", seed, n, total)
	}
	if n := f.count("s2s_outbox", ""); n != int64(m.s2s) {
		t.Errorf("seed %d: %d S2S postbacks queued, model owes %d", seed, n, m.s2s)
	}
}

// TestConcurrentRepeatsCountOnce fires the same postback from many
// goroutines at once (a network retrying in parallel): one conversion, one
// S2S postback, the rest logged as duplicates.
func TestConcurrentRepeatsCountOnce(t *testing.T) {
	f := newFixture(t, nil)
	c := f.click(true)
	const n = 16
	outcomes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := url.Values{"subid": {c.ID}, "tid": {"same"}, "status": {"sale"}, "payout": {"4"}}
			res, err := f.svc.Process(context.Background(), Postback{Key: testKey, Values: v})
			if err != nil {
				t.Error(err)
			}
			outcomes <- res.Outcome
		}()
	}
	wg.Wait()
	close(outcomes)
	count := map[string]int{}
	for o := range outcomes {
		count[o]++
	}
	if count["accepted"] != 1 || count["duplicate"] != n-1 {
		t.Errorf("outcomes %v, want 1 accepted and %d duplicates", count, n-1)
	}
	if got := len(f.conversions(c.ID)); got != 1 {
		t.Errorf("%d conversions, want 1", got)
	}
	if got := f.count("s2s_outbox", ""); got != 1 {
		t.Errorf("%d S2S postbacks, want 1", got)
	}
}
