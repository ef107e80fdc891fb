package conversion

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kite-tracker/kite/internal/model"
)

// The insert-first statement for a batch of postbacks (groupwrite.go), one
// item per click+tid. It does for every item what insertFirstSQL did for
// one: insert the conversion unless its click+tid has one; for those
// inserted, their S2S rows and log line; for the others, the existing
// conversion (as of the statement's start) and, when the rules leave it as
// it is, the log line. Items come in sorted by click+tid and conversions are
// inserted in that order (see takeLocked). The log lines find their items
// again by conversion id, which is unique within a batch, and so do the S2S
// rows' ids (in the order of the item's rows: ids are drawn as rows go in). The existing
// conversions are read one index probe per item (LATERAL ... LIMIT 1):
// planned as a join, Postgres hashed the whole table for a handful of keys.
const insertBatchSQL = `/* conversion.insertFirstBatch */ WITH it AS MATERIALIZED (
	SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(i int, conv_id bigint, click_id text, tid text, log jsonb, lo jsonb)),
c AS (INSERT INTO conversions (%c) SELECT %c FROM jsonb_populate_recordset(NULL::conversions, $1::jsonb)
	ON CONFLICT (click_id, tid) DO NOTHING RETURNING id),
q AS (INSERT INTO s2s_outbox (%o) SELECT %o FROM jsonb_populate_recordset(NULL::s2s_outbox, $2::jsonb) AS o
	WHERE o.conversion_id IN (SELECT id FROM c) RETURNING id, conversion_id),
e AS (SELECT it.i, cv.* FROM it, LATERAL (SELECT %e, cv.xmin::text AS row_version FROM conversions cv
	WHERE cv.click_id = it.click_id AND cv.tid = it.tid LIMIT 1) AS cv WHERE it.conv_id NOT IN (SELECT id FROM c)),
r AS (SELECT it.i, it.log, it.conv_id IN (SELECT id FROM c) AS inserted,
	CASE WHEN it.conv_id IN (SELECT id FROM c) THEN it.conv_id ELSE e.id END AS conv_id,
	it.lo -> e.status AS same
	FROM it LEFT JOIN e ON e.i = it.i),
l AS (INSERT INTO received_postbacks (%r) SELECT %r FROM r, jsonb_populate_record(NULL::received_postbacks,
		r.log || COALESCE(r.same || jsonb_build_object('conversion_id', r.conv_id), '{}'))
	WHERE r.inserted OR r.same IS NOT NULL
	RETURNING id, conversion_id)
SELECT r.i, l.id AS log_id, r.inserted, %x, e.row_version,
	(SELECT array_agg(q.id ORDER BY q.id) FROM q WHERE r.inserted AND q.conversion_id = r.conv_id) AS outbox_ids
FROM r LEFT JOIN e ON e.i = r.i LEFT JOIN l ON l.conversion_id = r.conv_id`

// batchStatement is insertBatchSQL with its column lists, built once.
var batchStatement = sync.OnceValues(func() (string, error) {
	conv, err1 := columnsOf[model.Conversion](true)
	out, err2 := columnsOf[model.S2SOutbox](false)
	logc, err3 := columnsOf[model.ReceivedPostback](false)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", err
	}
	fromCV, fromE := make([]string, len(conv)), make([]string, len(conv))
	for i, c := range conv {
		fromCV[i], fromE[i] = "cv."+c, "e."+c
	}
	r := strings.NewReplacer("%c", strings.Join(conv, ", "), "%o", strings.Join(out, ", "),
		"%r", strings.Join(logc, ", "), "%e", strings.Join(fromCV, ", "), "%x", strings.Join(fromE, ", "))
	return r.Replace(insertBatchSQL), nil
})

// maxBatchWait bounds a group statement; the postbacks waiting on it then
// fail (and are queued to the spool) as a lone statement's would.
func (s *Service) maxBatchWait() time.Duration { return s.opt.QueueAfter }

// runBatch writes batch in one statement and gives every item its firstRow,
// or the statement's error. A statement Postgres refuses (an error of the
// data, not of the connection) is tried again item by item, so that one
// postback it cannot take does not fail the others that shared its batch.
func (s *Service) runBatch(batch []*firstItem) {
	ctx, cancel := context.WithTimeout(context.Background(), s.maxBatchWait())
	defer cancel()
	err := s.insertBatch(ctx, batch)
	var refused *pgconn.PgError
	if err != nil && len(batch) > 1 && errors.As(err, &refused) && !unreachable(err) {
		s.log.Warn("postback group statement refused; writing its postbacks one by one", "postbacks", len(batch), "err", err)
		for _, it := range batch {
			if err := s.insertBatch(ctx, []*firstItem{it}); err != nil {
				it.res, it.err = firstRow{}, err
			}
		}
		return
	}
	if err != nil {
		for _, it := range batch {
			it.res, it.err = firstRow{}, err
		}
	}
}

func (s *Service) insertBatch(ctx context.Context, batch []*firstItem) error {
	stmt, err := batchStatement()
	if err != nil {
		return err
	}
	fields, err := fieldsOf[model.Conversion]()
	if err != nil {
		return err
	}
	convs, outs, items := batchDocs(batch)
	return s.st.WithPgx(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, stmt, convs, outs, items)
		if err != nil {
			return err
		}
		defer rows.Close()
		got := 0
		// One set of scan targets serves every row: Scan gives each
		// non-NULL column a value of its own, and into copies them out,
		// so no row shares another's. (Per row, the ~30 targets of the
		// existing conversion were most of a postback's allocations.)
		var i int
		var g firstRow
		existing := newNullableRow(fields)
		dest := append(append([]any{&i, &g.LogID, &g.Inserted}, existing.dest...), &g.RowVersion, &g.OutboxIDs)
		for rows.Next() {
			g = firstRow{}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if i < 0 || i >= len(batch) {
				return fmt.Errorf("conversion batch: item %d of %d", i, len(batch))
			}
			if g.RowVersion != nil {
				existing.into(ctx, &g.Existing)
			}
			batch[i].res = g
			got++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if got != len(batch) {
			return fmt.Errorf("conversion batch: %d rows for %d items", got, len(batch))
		}
		return nil
	})
}

// batchDocs renders the statement's three JSON arrays: the conversions, all
// their S2S rows, and per item its index, keys, log line and log-only outcomes.
func batchDocs(batch []*firstItem) (convs, outs, items string) {
	var c, o, it strings.Builder
	c.WriteByte('[')
	o.WriteByte('[')
	it.WriteByte('[')
	var b []byte
	for i, x := range batch {
		if i > 0 {
			c.WriteByte(',')
			it.WriteByte(',')
		}
		c.WriteString(x.conv)
		if rows := strings.TrimSuffix(strings.TrimPrefix(x.out, "["), "]"); rows != "" {
			if o.Len() > 1 {
				o.WriteByte(',')
			}
			o.WriteString(rows)
		}
		b = append(b[:0], `{"i":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"conv_id":`...)
		b = strconv.AppendInt(b, x.convID, 10)
		b = append(b, `,"click_id":`...)
		b = appendJSONString(b, x.clickID)
		b = append(b, `,"tid":`...)
		b = appendJSONString(b, x.tid)
		b = append(b, `,"log":`...)
		b = append(b, x.log...)
		b = append(b, `,"lo":`...)
		b = append(b, x.logOnly...)
		it.Write(append(b, '}'))
	}
	c.WriteByte(']')
	o.WriteByte(']')
	it.WriteByte(']')
	return c.String(), o.String(), it.String()
}
