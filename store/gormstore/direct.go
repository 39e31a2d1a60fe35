package gormstore

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The busiest statements of the send path (the batch INSERT, the
// conditional UPDATE … RETURNING of claims and transitions) have many
// arguments, and gorm's Raw copies a statement's text byte by byte to find
// its placeholders and box each argument again, then runs its callbacks:
// a few percent of a SQLite server's CPU. On SQLite, when every argument
// is a plain value, gorm would send the text and the arguments unchanged,
// so the Store sends them to the connection pool (or transaction) itself.
// A statement with a slice argument (expanded for IN ?) or anything else
// goes through gorm as before, and so does everything on PostgreSQL
// (where gorm numbers the placeholders) and when a query logger is set,
// so that it sees every statement.

// directOK reports whether queries may bypass gorm: on SQLite, and only
// when no query logger would miss them.
func directOK(d dialect, opts Options) bool {
	return d == dialectSQLite && opts.Logger == logger.Discard
}

// queryRows runs a query that returns rows on db (a pool or one of its
// transactions) under ctx.
func (s *Store) queryRows(ctx context.Context, db *gorm.DB, query string, args ...any) (*sql.Rows, error) {
	if s.direct && plainArgs(args) {
		if pool := db.Statement.ConnPool; pool != nil {
			return pool.QueryContext(ctx, query, args...)
		}
	}
	return db.WithContext(ctx).Raw(query, args...).Rows()
}

// plainArgs reports whether gorm would pass args on as they are: no
// slices to expand, no named arguments, no values to convert.
func plainArgs(args []any) bool {
	for _, a := range args {
		switch a.(type) {
		case nil, string, []byte, bool, int, int32, int64, float64, time.Time:
		default:
			return false
		}
	}
	return true
}
