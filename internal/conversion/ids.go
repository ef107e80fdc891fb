package conversion

import (
	"context"
	"sync"

	"gorm.io/gorm"
)

// idBlockSize is how many conversion ids one sequence call reserves.
const idBlockSize = 128

// idBlock hands out conversion ids reserved from the Postgres sequence in
// blocks: the insert-first statement needs the id before the insert (the S2S
// URLs carry {conversion_id}), and one nextval round trip per postback would
// cost what the single statement saves. Ids stay unique across nodes;
// unused ones (a conflict, a restart) leave gaps, which nothing relies on.
type idBlock struct {
	mu   sync.Mutex
	free []int64
}

func (b *idBlock) next(ctx context.Context, db *gorm.DB) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.free) == 0 {
		err := db.WithContext(ctx).Raw(`/* conversion.idBlock */ SELECT nextval(pg_get_serial_sequence('conversions', 'id'))
			FROM generate_series(1, ?)`, idBlockSize).Find(&b.free).Error
		if err != nil {
			return 0, err
		}
		if len(b.free) == 0 {
			return 0, gorm.ErrRecordNotFound
		}
	}
	id := b.free[0]
	b.free = b.free[1:]
	return id, nil
}
