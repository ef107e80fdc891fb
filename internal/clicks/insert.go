package clicks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/gorm"
)

// clickColumns are the clicks table columns InsertBatch writes, in the order
// of clickValues.
var clickColumns = func() []string {
	cols := []string{"id", "created_at", "campaign_id", "stream_id", "offer_id", "landing_id", "ts_id",
		"affiliate_network_id", "visitor_code", "ip", "user_agent", "referrer", "language", "country", "region",
		"city", "isp", "connection_type", "device_type", "device_model", "os", "os_version", "browser",
		"browser_version", "is_bot", "is_unique_campaign", "is_unique_stream", "is_unique_global", "keyword",
		"source", "external_id", "creative_id", "ad_campaign_id", "cost"}
	for i := 1; i <= 30; i++ {
		cols = append(cols, fmt.Sprintf("sub_id_%d", i))
	}
	return append(cols, "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
		"extra_params", "destination", "lp_clicked_at")
}()

// cellSink takes one click's column values, in clickColumns order. The
// portable path boxes them into bind arguments; the Postgres path writes
// them straight into typed column arrays (boxing a string or a time
// allocates, ~25 times per click).
type cellSink interface {
	text(s string)
	int8(v int64)
	bool(v bool)
	float8(v float64)
	timestamptz(t time.Time, valid bool) // !valid: NULL
}

// clickRow feeds c's row to put. Text is made valid UTF-8 without NUL:
// Postgres refuses either, and one bad click must not block a whole batch.
func clickRow(put cellSink, c *model.Click) {
	put.text(c.ID)
	put.timestamptz(c.CreatedAt, true)
	for _, v := range [...]int64{c.CampaignID, c.StreamID, c.OfferID, c.LandingID, c.TrafficSourceID, c.AffiliateNetworkID} {
		put.int8(v)
	}
	for _, s := range [...]string{c.VisitorCode, c.IP, c.UserAgent, c.Referrer, c.Language, c.Country, c.Region,
		c.City, c.ISP, c.ConnectionType, c.DeviceType, c.DeviceModel, c.OS, c.OSVersion, c.Browser, c.BrowserVersion} {
		put.text(clean(s))
	}
	for _, v := range [...]bool{c.IsBot, c.IsUniqueCampaign, c.IsUniqueStream, c.IsUniqueGlobal} {
		put.bool(v)
	}
	for _, s := range [...]string{c.Keyword, c.Source, c.ExternalID, c.CreativeID, c.AdCampaignID} {
		put.text(clean(s))
	}
	put.float8(c.Cost)
	for _, s := range c.SubIDs() {
		put.text(clean(*s))
	}
	for _, s := range [...]string{c.UTMSource, c.UTMMedium, c.UTMCampaign, c.UTMTerm, c.UTMContent} {
		put.text(clean(s))
	}
	extra := clean(string(c.ExtraParams))
	if extra == "" {
		extra = "{}"
	}
	put.text(extra)
	put.text(clean(c.Destination))
	if c.LPClickedAt != nil {
		put.timestamptz(c.LPClickedAt.UTC(), true)
	} else {
		put.timestamptz(time.Time{}, false)
	}
}

// bindArgs collects rows as bind arguments of a multi-row INSERT.
type bindArgs []any

func (a *bindArgs) text(s string)    { *a = append(*a, s) }
func (a *bindArgs) int8(v int64)     { *a = append(*a, v) }
func (a *bindArgs) bool(v bool)      { *a = append(*a, v) }
func (a *bindArgs) float8(v float64) { *a = append(*a, v) }
func (a *bindArgs) timestamptz(t time.Time, valid bool) {
	if !valid {
		*a = append(*a, nil)
		return
	}
	*a = append(*a, t)
}

// clickValues appends c's row to args.
func clickValues(args []any, c *model.Click) []any {
	b := bindArgs(args)
	clickRow(&b, c)
	return b
}

// clean makes s storable text: valid UTF-8 and no NUL bytes.
func clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// InsertBatch stores clicks in SQL, idempotent by click id, and adds the
// newly inserted ones (only those) to click_stats_hourly in the same
// transaction. Used by the writer and by `kite-bench seed`.
func InsertBatch(ctx context.Context, st *store.Store, batch []model.Click) error {
	_, err := applyBatch(ctx, st, batch, nil, 0)
	return err
}

// applyBatch inserts clicks and applies LP events in one transaction and
// returns how many clicks were new: over pgx arrays on Postgres, with
// portable multi-row statements elsewhere. With pause > 0, Postgres takes
// the clicks in paced pieces (pgInsertPieces).
func applyBatch(ctx context.Context, st *store.Store, batch []model.Click, lps []lpEvent, pause time.Duration) (int, error) {
	clicks := dedupe(batch)
	if st.IsPostgres() {
		n, err := applyBatchPG(ctx, st, clicks, lps, pause)
		if !errors.Is(err, store.ErrNotPgx) {
			return n, err
		}
	}
	return applyBatchPortable(ctx, st, clicks, lps)
}

// applyBatchPortable is applyBatch through gorm with multi-row statements
// (SQLite's path; works on Postgres too). clicks come from dedupe.
func applyBatchPortable(ctx context.Context, st *store.Store, clicks []*model.Click, lps []lpEvent) (int, error) {
	inserted := 0
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		roll := rollup{}
		newIDs, err := insertClicks(tx, clicks, rowsPerStatement(st, len(clickColumns)))
		if err != nil {
			return err
		}
		inserted = len(newIDs)
		for _, c := range clicks {
			if newIDs[c.ID] {
				roll.add(c, 1)
			}
		}
		if err := applyLPs(tx, lps, roll); err != nil {
			return err
		}
		return roll.upsert(tx, rowsPerStatement(st, len(rollupKeyColumns)+len(rollupCounterColumns)))
	})
	return inserted, err
}

// dedupe drops repeated ids and sorts by id, so that concurrent writers
// lock rows in the same order. It points into batch and does not change
// it: a click whose creation time is not yet normalised is copied first
// (the writer's decoded clicks never are; a click is over a kilobyte).
func dedupe(batch []model.Click) []*model.Click {
	out := make([]*model.Click, 0, len(batch))
	seen := make(map[string]bool, len(batch))
	for i := range batch {
		c := &batch[i]
		if seen[c.ID] || c.ID == "" {
			continue
		}
		seen[c.ID] = true
		if !createdAtNormal(c) {
			cp := *c
			normalizeCreatedAt(&cp)
			c = &cp
		}
		out = append(out, c)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// createdAtNormal tells whether normalizeCreatedAt would leave c as is.
func createdAtNormal(c *model.Click) bool {
	return !c.CreatedAt.IsZero() && c.CreatedAt == c.CreatedAt.UTC().Truncate(time.Microsecond)
}

// insertClicks runs multi-row inserts that skip existing ids and returns
// the ids actually inserted.
func insertClicks(tx *gorm.DB, clicks []*model.Click, perStatement int) (map[string]bool, error) {
	newIDs := make(map[string]bool, len(clicks))
	for _, chunk := range chunks(len(clicks), perStatement) {
		rows := clicks[chunk[0]:chunk[1]]
		args := make([]any, 0, len(rows)*len(clickColumns))
		for _, c := range rows {
			args = clickValues(args, c)
		}
		q := "/* clicks.insertClicks */ INSERT INTO clicks (" + strings.Join(clickColumns, ", ") + ") VALUES " +
			placeholders(len(rows), len(clickColumns)) +
			" ON CONFLICT (id, created_at) DO NOTHING RETURNING CAST(id AS TEXT)"
		res, err := tx.Raw(q, args...).Rows()
		if err != nil {
			return nil, fmt.Errorf("insert clicks: %w", err)
		}
		for res.Next() {
			var id string
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			newIDs[id] = true
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, fmt.Errorf("insert clicks: %w", err)
		}
	}
	return newIDs, nil
}

// rowsPerStatement sizes multi-row statements: big on Postgres (well under
// its 65535 bind parameters); small on SQLite, whose pure-Go driver binds
// parameters in time quadratic in their number (measured: 256 clicks per
// statement is 20x slower per click than 8).
func rowsPerStatement(st *store.Store, cols int) int {
	if st.IsPostgres() {
		return 256
	}
	n := 1
	for n*2*cols <= 600 {
		n *= 2
	}
	return n
}

// chunks splits n rows into [from, to) ranges of max rows, then powers of two,
// so that a handful of statement shapes cover every batch size (prepared
// statements stay few) and no statement nears the bind-parameter limits
// (Postgres 65535, SQLite 32766).
func chunks(n, max int) [][2]int {
	var out [][2]int
	from := 0
	for size := max; size >= 1 && from < n; {
		if n-from >= size {
			out = append(out, [2]int{from, from + size})
			from += size
			continue
		}
		size /= 2
	}
	return out
}

// placeholders renders "(?, ?), (?, ?)" for rows x cols.
func placeholders(rows, cols int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	var b strings.Builder
	b.Grow(rows * (len(row) + 2))
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}
