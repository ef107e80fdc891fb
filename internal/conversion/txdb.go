package conversion

import (
	"time"

	"github.com/kite-tracker/kite/internal/store"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// txDB is the store's database for our transactions, without gorm's
// PrepareStmt wrapper. Inside a transaction that wrapper prepares every
// statement on the transaction's connection and deallocates it at commit:
// two extra round trips per statement. pgx already keeps a prepared
// statement cache per connection, which plain database/sql calls use.
// It shares the store's connection pool.
func txDB(st *store.Store) *gorm.DB {
	if st == nil {
		return nil
	}
	if !st.IsPostgres() {
		return st.DB
	}
	sqlDB, err := st.DB.DB()
	if err != nil {
		return st.DB
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return st.DB
	}
	return db
}
