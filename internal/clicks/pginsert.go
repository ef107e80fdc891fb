package clicks

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/kite-tracker/kite/internal/model"
	"github.com/kite-tracker/kite/internal/store"
)

// The Postgres path of applyBatch. The portable path sends a batch of 1,000
// clicks as seven multi-row INSERTs of up to 18,432 bind parameters, each
// boxed and converted by database/sql; here the batch travels as one array
// per column (72 binary arrays) in a single INSERT ... SELECT FROM unnest(),
// and the rollup is one more unnest upsert (so the report-cube triggers on
// click_stats_hourly fire once per batch, not once per chunk). LP events on
// clicks stored before are one UPDATE ... FROM unnest() in a transaction of
// their own (applyBatchPG says why). Same guarantees otherwise: ON CONFLICT
// DO NOTHING by (id, created_at), only RETURNING ids counted, rows and
// rollup keys written in a fixed order, raw rows and rollup committed
// together.

// pgClickTypes are the array types of clickColumns, in order. Ids travel as
// text and are cast, since pgx encodes Go strings as text.
var pgClickTypes = func() []string {
	out := make([]string, len(clickColumns))
	for i, col := range clickColumns {
		switch col {
		case "id":
			out[i] = "text[]::uuid[]"
		case "created_at", "lp_clicked_at":
			out[i] = "timestamptz[]"
		case "campaign_id", "stream_id", "offer_id", "landing_id", "ts_id", "affiliate_network_id":
			out[i] = "int8[]"
		case "is_bot", "is_unique_campaign", "is_unique_stream", "is_unique_global":
			out[i] = "bool[]"
		case "cost":
			out[i] = "float8[]"
		default:
			out[i] = "text[]"
		}
	}
	return out
}()

var pgInsertClicksSQL = "/* clicks.pgInsertClicks */ INSERT INTO clicks (" + strings.Join(clickColumns, ", ") +
	") SELECT * FROM unnest(" + unnestArgs(pgClickTypes) +
	") ON CONFLICT (id, created_at) DO NOTHING RETURNING CAST(id AS TEXT)"

var pgRollupSQL = func() string {
	types := []string{"timestamptz[]", "int8[]", "int8[]", "int8[]", "int8[]", "int8[]", "int8[]",
		"text[]", "text[]", "text[]", "text[]", "text[]", "text[]", "bool[]",
		"int8[]", "int8[]", "int8[]", "int8[]", "int8[]", "int8[]", "int8[]", "float8[]"}
	cols := append(append([]string{}, rollupKeyColumns...), rollupCounterColumns...)
	return "/* clicks.pgUpsertRollup */ INSERT INTO click_stats_hourly (" + strings.Join(cols, ", ") +
		") SELECT * FROM unnest(" + unnestArgs(types) + ") ON CONFLICT (" + strings.Join(rollupKeyColumns, ", ") +
		") DO UPDATE SET " + rollupSetClause()
}()

// pgApplyLPsSQL applies a batch's LP events in one statement: one run of
// the sub_id_1 cube's update trigger, which upserts in key order.
const pgApplyLPsSQL = `/* clicks.pgApplyLPs */ UPDATE clicks AS c SET lp_clicked_at = u.at, offer_id = u.offer
	FROM unnest($1::text[]::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int8[]) AS u(id, created_at, at, offer)
	WHERE c.id = u.id AND c.created_at = u.created_at AND c.lp_clicked_at IS NULL
	RETURNING CAST(c.id AS TEXT)`

// unnestArgs renders "$1::t1, $2::t2, ...".
func unnestArgs(types []string) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("$%d::%s", i+1, t)
	}
	return strings.Join(parts, ", ")
}

// applyBatchPG is applyBatch on Postgres, on a connection borrowed from the
// store's pool: the clicks and their rollup in one pgx transaction, then the
// LP events left over with theirs in a second one. clicks come from dedupe.
//
// Why two: each statement's sub_id_1 cube trigger keeps its cube rows locked
// until the commit, so two writers (two nodes) must take those locks in one
// order, (day, sub_id_1) ascending, or they can deadlock. The clicks'
// pieces go in that order (byCubeKey), and so does one statement's trigger,
// but LP events land on stored clicks of any key: after the pieces in the
// same transaction, an LP event on a lower key took its lock out of order
// (TestPacedWriterLPEventsInKeyOrder deadlocked). On their own they are one
// statement, in order. An LP event whose click is inserted by this batch
// goes in with the click instead (withLPs), so the rollup never counts the
// click at one offer to move it to another a moment later. Nothing is lost
// between the two transactions: the stream entries are acknowledged after
// both, a retry inserts nothing twice, and an LP event applies only while
// lp_clicked_at is NULL.
func applyBatchPG(ctx context.Context, st *store.Store, clicks []*model.Click, lps []lpEvent, pause time.Duration) (int, error) {
	first := firstLPs(lps)
	inserted := 0
	err := st.WithPgx(ctx, func(c *pgx.Conn) error {
		var newIDs map[string]bool
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var err error
			newIDs, err = pgApplyClicks(ctx, tx, withLPs(clicks, first), pause)
			return err
		})
		if err != nil {
			return err
		}
		inserted = len(newIDs)
		var rest []*lpEvent
		for _, lp := range first {
			if !newIDs[lp.Click.ID] {
				rest = append(rest, lp)
			}
		}
		if len(rest) == 0 {
			return nil
		}
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error { return pgApplyLPs(ctx, tx, rest) })
	})
	return inserted, err
}

// pgApplyClicks inserts the clicks, adds the new ones to the rollup and
// returns their ids.
func pgApplyClicks(ctx context.Context, tx pgx.Tx, clicks []*model.Click, pause time.Duration) (map[string]bool, error) {
	newIDs, err := pgInsertPieces(ctx, tx, clicks, pause)
	if err != nil {
		return nil, err
	}
	roll := rollup{}
	for _, c := range clicks {
		if newIDs[c.ID] {
			roll.add(c, 1)
		}
	}
	return newIDs, pgUpsertRollup(ctx, tx, roll)
}

// withLPs returns the clicks with the LP event of first on each, as the
// click's row would read after the event applied (a copy; the event only
// applies while lp_clicked_at is NULL).
func withLPs(clicks []*model.Click, first []*lpEvent) []*model.Click {
	if len(first) == 0 {
		return clicks
	}
	byID := make(map[string]*lpEvent, len(first))
	for _, lp := range first {
		byID[lp.Click.ID] = lp
	}
	out := make([]*model.Click, len(clicks))
	for i, c := range clicks {
		out[i] = c
		if lp := byID[c.ID]; lp != nil && c.LPClickedAt == nil {
			cp := *c
			at := lp.At.UTC()
			cp.OfferID, cp.LPClickedAt = lpOffer(lp), &at
			out[i] = &cp
		}
	}
	return out
}

// pacedChunk is how many clicks a paced batch inserts per statement.
const pacedChunk = 100

// pgInsertPieces inserts the clicks in one statement, or with pause > 0 in
// statements of pacedChunk clicks with a pause between them, in the same
// transaction. Why: one statement of 500 clicks kept one of the two cores
// of a small box busy for ~25 ms, and tracking-link requests arriving
// meanwhile queued for the other; in pieces with pauses, p99 at 5,000
// clicks/s fell by a third (19 to 13 ms, mean of 6 alternating runs) for
// 2-4 us more Postgres time a click (the sub_id_1 cube's trigger runs per
// statement). Each piece's trigger keeps its cube rows locked until the
// commit, so the pieces go in cube key order (byCubeKey; migration 0038
// makes the trigger upsert in that order too): two writers then never hold
// rows the other waits for. A full batch (the writer is behind) and the
// drain at shutdown go in one statement, the cheapest way.
func pgInsertPieces(ctx context.Context, tx pgx.Tx, clicks []*model.Click, pause time.Duration) (map[string]bool, error) {
	if pause <= 0 || len(clicks) <= pacedChunk {
		return pgInsertClicks(ctx, tx, clicks)
	}
	clicks = byCubeKey(clicks)
	newIDs := make(map[string]bool, len(clicks))
	for start := 0; start < len(clicks); start += pacedChunk {
		if start > 0 && !sleep(ctx, pause) {
			return nil, ctx.Err()
		}
		part, err := pgInsertClicks(ctx, tx, clicks[start:min(start+pacedChunk, len(clicks))])
		if err != nil {
			return nil, err
		}
		maps.Copy(newIDs, part)
	}
	return newIDs, nil
}

// byCubeKey returns the clicks sorted by the sub_id_1 cube's key, UTC day
// then sub_id_1 as stored (cleaned) in byte order, then id.
func byCubeKey(clicks []*model.Click) []*model.Click {
	out := slices.Clone(clicks)
	day := func(c *model.Click) time.Time { return c.CreatedAt.UTC().Truncate(24 * time.Hour) }
	slices.SortFunc(out, func(a, b *model.Click) int {
		return cmp.Or(day(a).Compare(day(b)), strings.Compare(clean(a.SubID1), clean(b.SubID1)),
			strings.Compare(a.ID, b.ID))
	})
	return out
}

// pgInsertClicks inserts the clicks in the order given (by id, or by cube
// key in paced pieces: either way every writer uses the same order) and
// returns the ids that were new. The returned ids are read as raw bytes and
// looked up among the batch's own ids, so the set shares the clicks'
// strings instead of allocating one per row.
func pgInsertClicks(ctx context.Context, tx pgx.Tx, clicks []*model.Click) (map[string]bool, error) {
	newIDs := make(map[string]bool, len(clicks))
	if len(clicks) == 0 {
		return newIDs, nil
	}
	cols, err := clickArrays(clicks)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]string, len(clicks))
	for _, c := range clicks {
		ids[c.ID] = c.ID
	}
	rows, err := tx.Query(ctx, pgInsertClicksSQL, cols...)
	if err != nil {
		return nil, fmt.Errorf("insert clicks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 1 || raw[0] == nil {
			return nil, fmt.Errorf("insert clicks: unexpected RETURNING row %q", raw)
		}
		id, ok := ids[string(raw[0])]
		if !ok {
			id = string(raw[0]) // not spelt as sent (never expected): keep it as Postgres has it
		}
		newIDs[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("insert clicks: %w", err)
	}
	return newIDs, nil
}

// clickArrays turns clicks into one typed array per column, from the same
// cleaned values the portable path binds (clickRow).
func clickArrays(clicks []*model.Click) ([]any, error) {
	a := newColumnArrays(len(clicks))
	for i, c := range clicks {
		a.row = i
		clickRow(a, c)
		if err := a.endRow(); err != nil {
			return nil, fmt.Errorf("click %s: %w", c.ID, err)
		}
	}
	return a.cols, nil
}

// columnArrays is a cellSink writing row `row` of one array per column:
// cols (in clickColumns order, as bind arguments) shares its backing
// arrays with the per-type lists the sink fills.
type columnArrays struct {
	cols   []any
	texts  []pgTextArray
	ints   [][]int64
	bools  [][]bool
	floats [][]float64
	times  []pgTimeArray
	kind   []byte // per column: t(ext), i(nt8), b(ool), f(loat8), z (timestamptz)
	slot   []int  // per column: its index in the list of its kind

	row, col int  // the cell being written
	drift    bool // a cell of the wrong type, or a column too many
}

func newColumnArrays(n int) *columnArrays {
	a := &columnArrays{cols: make([]any, len(pgClickTypes))}
	for j, t := range pgClickTypes {
		switch t {
		case "timestamptz[]":
			a.add('z', len(a.times))
			a.times = append(a.times, make(pgTimeArray, n))
			a.cols[j] = a.times[len(a.times)-1]
		case "int8[]":
			a.add('i', len(a.ints))
			a.ints = append(a.ints, make([]int64, n))
			a.cols[j] = a.ints[len(a.ints)-1]
		case "bool[]":
			a.add('b', len(a.bools))
			a.bools = append(a.bools, make([]bool, n))
			a.cols[j] = a.bools[len(a.bools)-1]
		case "float8[]":
			a.add('f', len(a.floats))
			a.floats = append(a.floats, make([]float64, n))
			a.cols[j] = a.floats[len(a.floats)-1]
		default:
			a.add('t', len(a.texts))
			a.texts = append(a.texts, make(pgTextArray, n))
			a.cols[j] = a.texts[len(a.texts)-1]
		}
	}
	return a
}

func (a *columnArrays) add(kind byte, slot int) {
	a.kind = append(a.kind, kind)
	a.slot = append(a.slot, slot)
}

// next returns the slot of the current cell if its column is of kind k,
// and moves on to the next cell.
func (a *columnArrays) next(k byte) (int, bool) {
	j := a.col
	a.col++
	if j >= len(a.kind) || a.kind[j] != k {
		a.drift = true
		return 0, false
	}
	return a.slot[j], true
}

func (a *columnArrays) text(s string) {
	if i, ok := a.next('t'); ok {
		a.texts[i][a.row] = s
	}
}

func (a *columnArrays) int8(v int64) {
	if i, ok := a.next('i'); ok {
		a.ints[i][a.row] = v
	}
}

func (a *columnArrays) bool(v bool) {
	if i, ok := a.next('b'); ok {
		a.bools[i][a.row] = v
	}
}

func (a *columnArrays) float8(v float64) {
	if i, ok := a.next('f'); ok {
		a.floats[i][a.row] = v
	}
}

func (a *columnArrays) timestamptz(t time.Time, valid bool) {
	if i, ok := a.next('z'); ok {
		a.times[i][a.row] = pgtype.Timestamptz{Time: t, Valid: valid}
	}
}

// pgTextArray is a text[] bind argument whose cells reach pgx without
// boxing: pgtype.FlatArray[string] hands each string to the encoder as an
// interface, an allocation per cell (about 50 a click); a *pgTextCell fits
// an interface as it is.
type pgTextArray []string

// Dimensions, Index and IndexType make pgTextArray a pgtype.ArrayGetter.
func (a pgTextArray) Dimensions() []pgtype.ArrayDimension {
	if a == nil {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(len(a)), LowerBound: 1}}
}

func (a pgTextArray) Index(i int) any { return (*pgTextCell)(&a[i]) }

func (a pgTextArray) IndexType() any { return (*pgTextCell)(nil) }

// pgTextCell is one cell of a pgTextArray, encoded as text by pgx.
type pgTextCell string

// TextValue makes *pgTextCell a pgtype.TextValuer (never NULL).
func (c *pgTextCell) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(*c), Valid: true}, nil
}

// pgTimeArray is pgTextArray for timestamptz[] (a boxed Timestamptz is an
// allocation too).
type pgTimeArray []pgtype.Timestamptz

// Dimensions, Index and IndexType make pgTimeArray a pgtype.ArrayGetter.
func (a pgTimeArray) Dimensions() []pgtype.ArrayDimension {
	if a == nil {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(len(a)), LowerBound: 1}}
}

func (a pgTimeArray) Index(i int) any { return (*pgTimeCell)(&a[i]) }

func (a pgTimeArray) IndexType() any { return (*pgTimeCell)(nil) }

// pgTimeCell is one cell of a pgTimeArray (NULL when not Valid).
type pgTimeCell pgtype.Timestamptz

// TimestamptzValue makes *pgTimeCell a pgtype.TimestamptzValuer.
func (c *pgTimeCell) TimestamptzValue() (pgtype.Timestamptz, error) {
	return pgtype.Timestamptz(*c), nil
}

// endRow checks the row matched the columns cell by cell; a mismatch means
// clickRow and pgClickTypes drifted apart.
func (a *columnArrays) endRow() error {
	if a.drift || a.col != len(a.kind) {
		return fmt.Errorf("%d cells do not fit the column types %v", a.col, pgClickTypes)
	}
	a.col = 0
	return nil
}

// pgApplyLPs is applyLPs in one statement, and the rollup moves of the LP
// events it applied in a second. order comes from firstLPs: one event per
// click (an UPDATE ... FROM with two rows for one click would apply either),
// in click id order.
func pgApplyLPs(ctx context.Context, tx pgx.Tx, order []*lpEvent) error {
	n := len(order)
	ids, created, at, offers := make([]string, n), make([]time.Time, n), make([]time.Time, n), make([]int64, n)
	byID := make(map[string]*lpEvent, n)
	for i, lp := range order {
		c := lp.Click
		normalizeCreatedAt(&c)
		ids[i], created[i], at[i], offers[i] = c.ID, c.CreatedAt, lp.At.UTC(), lpOffer(lp)
		key := c.ID
		if id, ok := canonicalID(c.ID); ok {
			key = id // as Postgres prints it in RETURNING
		}
		byID[key] = lp
	}
	rows, err := tx.Query(ctx, pgApplyLPsSQL, ids, created, at, offers)
	if err != nil {
		return fmt.Errorf("apply LP clicks: %w", err)
	}
	// Only the events returned were applied; the rest found lp_clicked_at
	// set already (a retry, or an earlier event), or no click.
	roll := rollup{}
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 1 || byID[string(raw[0])] == nil {
			rows.Close()
			return fmt.Errorf("apply LP clicks: unexpected RETURNING row %q", raw)
		}
		moveLP(roll, byID[string(raw[0])])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("apply LP clicks: %w", err)
	}
	return pgUpsertRollup(ctx, tx, roll)
}

// firstLPs returns each click's first LP event of lps, in click id order:
// the first wins, as on the portable path.
func firstLPs(lps []lpEvent) []*lpEvent {
	seen := make(map[string]bool, len(lps))
	order := make([]*lpEvent, 0, len(lps))
	for i := range lps {
		if id := lps[i].Click.ID; !seen[id] {
			seen[id] = true
			order = append(order, &lps[i])
		}
	}
	slices.SortFunc(order, func(a, b *lpEvent) int { return strings.Compare(a.Click.ID, b.Click.ID) })
	return order
}

// pgUpsertRollup adds the deltas to click_stats_hourly in one statement,
// rows in key order.
func pgUpsertRollup(ctx context.Context, tx pgx.Tx, r rollup) error {
	keys := r.sortedKeys()
	if len(keys) == 0 {
		return nil
	}
	n := len(keys)
	hours, texts := make([]time.Time, n), make([][]string, 6)
	ids, counts := make([][]int64, 6), make([][]int64, 7)
	for j := range texts {
		texts[j] = make([]string, n)
		ids[j] = make([]int64, n)
	}
	for j := range counts {
		counts[j] = make([]int64, n)
	}
	bots, cost := make([]bool, n), make([]float64, n)
	for i, k := range keys {
		v := r[k]
		hours[i] = time.Unix(k.Hour, 0).UTC()
		for j, x := range []int64{k.CampaignID, k.StreamID, k.OfferID, k.LandingID, k.TSID, k.NetID} {
			ids[j][i] = x
		}
		for j, s := range []string{k.Country, k.DeviceType, k.OS, k.Browser, k.Language, k.ConnType} {
			texts[j][i] = s
		}
		bots[i] = k.IsBot
		for j, x := range []int64{v.Clicks, v.CampaignUnique, v.StreamUnique, v.GlobalUnique, v.Bots, v.EmptyReferrers, v.LPClicks} {
			counts[j][i] = x
		}
		cost[i] = v.Cost
	}
	args := []any{hours, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5],
		texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], bots,
		counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], cost}
	if _, err := tx.Exec(ctx, pgRollupSQL, args...); err != nil {
		return fmt.Errorf("upsert click_stats_hourly: %w", err)
	}
	return nil
}
