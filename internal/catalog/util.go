package catalog

import (
	"context"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/kite-tracker/kite/internal/model"
)

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func setVal[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// byState filters a list: "" means everything but deleted objects.
func byState(db *gorm.DB, state string) *gorm.DB {
	if state == "" {
		return db.Where("state <> ?", model.StateDeleted)
	}
	return db.Where("state = ?", state)
}

// setState changes the state column of one row of table.
func (c *Catalog) setState(ctx context.Context, table, what string, id int64, state string) error {
	ch := newChecker()
	ch.enum("state", state, States)
	if err := ch.err(); err != nil {
		return err
	}
	return c.write(ctx, func(tx *gorm.DB) error {
		res := tx.Table(table).Where("id = ?", id).
			Updates(map[string]any{"state": state, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound(what, id)
		}
		return nil
	})
}
