package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	notify "github.com/notifykit/notify"
	"gorm.io/gorm"
)

var _ notify.BatchCreator = (*Store)(nil)

// Rows of one INSERT statement. On PostgreSQL, 1,000 rows of 31
// parameters stay below its 65,535 bound parameters. On SQLite a batch is
// one write transaction of statements of at most 16 rows: each statement
// size is compiled once per connection and kept (stmtcache.go), so a small
// fixed size keeps the kept shapes few while a large batch still runs one
// already compiled statement per 16 rows.
const (
	postgresInsertRows = 1000
	sqliteInsertRows   = 16
)

// notificationRow is the placeholder list of one row of insertNotificationSQL.
var notificationRow = "(" + strings.TrimSuffix(strings.Repeat("?, ", notificationColumnCount), ", ") + ")"

// notificationColumnCount is how many columns notificationColumns names.
var notificationColumnCount = strings.Count(notificationColumns, ",") + 1

// CreateNotifications inserts ns with multi-row INSERT … ON CONFLICT DO
// NOTHING RETURNING id statements in one transaction: on PostgreSQL one
// statement (one per 1,000 rows for larger batches), on SQLite one write
// transaction of 16-row statements. A notification whose id, or whose (job
// id, job row number), exists is skipped by the database, missing from what
// the INSERT returns, and fails alone with an error wrapping
// notify.ErrDuplicate while the others are stored. Any other failure (the
// database down, a row it refuses) stores nothing and is reported for
// every notification, wrapped as CreateNotification wraps it. A zero
// CreatedAt becomes now and is written back for the notifications stored.
func (s *Store) CreateNotifications(ctx context.Context, ns []*notify.Notification) []error {
	const op = "create notifications"
	if len(ns) == 0 {
		return nil
	}
	errs := make([]error, len(ns))
	if err := s.check(ctx, op); err != nil {
		return fill(errs, err)
	}
	now := time.Now()
	created := make([]time.Time, len(ns))
	var args [][]any // each row's values (SQLite)
	var pg []copyRow // each row's values (PostgreSQL)
	if s.dialect == dialectPostgres {
		pg = make([]copyRow, len(ns))
	} else {
		args = make([][]any, len(ns))
	}
	var rows []int // indexes of ns that go into the INSERT
	for i, n := range ns {
		if n == nil {
			errs[i] = fmt.Errorf("gormstore: %s: nil notification", op)
			continue
		}
		created[i] = n.CreatedAt
		if created[i].IsZero() {
			created[i] = now
		}
		var err error
		if pg != nil {
			err = pg[i].set(n, created[i])
		} else {
			args[i], err = s.notificationArgs(n, created[i])
		}
		if err != nil {
			errs[i] = fmt.Errorf("gormstore: %s: notification %s: %w", op, n.ID, err)
			continue
		}
		rows = append(rows, i)
	}
	inserted := map[string]int{} // ids the INSERT returned, with their count
	per := sqliteInsertRows      // PostgreSQL's rows go through pgCreateRows
	insert := func(db *gorm.DB) error {
		for start := 0; start < len(rows); start += per {
			chunk := rows[start:min(start+per, len(rows))]
			if err := s.insertChunk(ctx, db, ns, args, chunk, inserted); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch {
	case len(rows) == 0:
	case s.dialect == dialectPostgres:
		err = s.pgCreateRows(ctx, pg, rows, inserted)
	case len(rows) <= per:
		err = insert(s.w.WithContext(ctx)) // one statement: its own transaction
	default:
		err = s.w.WithContext(ctx).Transaction(insert)
	}
	if err != nil {
		werr := s.wrap(ctx, op, err)
		for _, i := range rows {
			errs[i] = werr
		}
		return errs
	}
	for _, i := range rows {
		id := ns[i].ID.String()
		if inserted[id] == 0 {
			errs[i] = fmt.Errorf("gormstore: %s: notification %s: %w", op, id, notify.ErrDuplicate)
			continue
		}
		// Two rows of one batch with one id: the first is stored.
		inserted[id]--
		ns[i].CreatedAt = created[i].UTC().Truncate(time.Microsecond)
	}
	for _, err := range errs {
		if err != nil {
			return errs
		}
	}
	return nil
}

// insertChunk runs one multi-row INSERT of the rows of ns at indexes chunk
// and counts the ids it returns in inserted.
func (s *Store) insertChunk(ctx context.Context, db *gorm.DB, ns []*notify.Notification, args [][]any, chunk []int, inserted map[string]int) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO notifications (` + notificationColumns + `) VALUES `)
	vals := make([]any, 0, notificationColumnCount*len(chunk))
	for k, i := range chunk {
		if k > 0 {
			q.WriteString(", ")
		}
		q.WriteString(notificationRow)
		vals = append(vals, args[i]...)
	}
	q.WriteString(` ON CONFLICT DO NOTHING RETURNING id`)
	res, err := s.queryRows(ctx, db, q.String(), vals...)
	return countInserted(res, err, inserted)
}

// countInserted counts in inserted the ids an INSERT … RETURNING id
// returned (res, or its error err) and closes res.
func countInserted(res *sql.Rows, err error, inserted map[string]int) error {
	if err != nil {
		return err
	}
	defer res.Close()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return err
		}
		inserted[strings.ToLower(id)]++
	}
	return res.Err()
}

// fill sets every element of errs to err and returns errs.
func fill(errs []error, err error) []error {
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// pgCreateRows is the INSERT of CreateNotifications on PostgreSQL, straight
// through database/sql: the values are the pgtype values COPY uses (pgx
// encodes them without reflection), the statement has $n placeholders
// (nothing to rewrite) and one text per row count, so pgx prepares each
// batch size once per connection. More than postgresInsertRows rows go in
// one transaction of several statements.
func (s *Store) pgCreateRows(ctx context.Context, pg []copyRow, rows []int, inserted map[string]int) error {
	db, err := s.pgDB()
	if err != nil {
		return err
	}
	if len(rows) <= postgresInsertRows {
		return pgInsertChunk(ctx, db, pg, rows, inserted)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for start := 0; start < len(rows); start += postgresInsertRows {
		chunk := rows[start:min(start+postgresInsertRows, len(rows))]
		if err := pgInsertChunk(ctx, tx, pg, chunk, inserted); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// sqlQuerier is what pgInsertChunk needs of a *sql.DB or *sql.Tx.
type sqlQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// pgInsertChunk inserts the rows of pg at indexes chunk (at most
// postgresInsertRows) in one statement and counts the ids it returns in
// inserted.
func pgInsertChunk(ctx context.Context, q sqlQuerier, pg []copyRow, chunk []int, inserted map[string]int) error {
	args := make([]any, 0, notificationColumnCount*len(chunk))
	for _, i := range chunk {
		args = pg[i].appendValues(args)
	}
	res, err := q.QueryContext(ctx, pgInsertSQL(len(chunk)), args...)
	return countInserted(res, err, inserted)
}

// pgInsertSQLs keeps the statement text of each row count made so far.
var pgInsertSQLs sync.Map // int -> string

// pgInsertSQL is the multi-row INSERT … ON CONFLICT DO NOTHING RETURNING id
// of n rows, with PostgreSQL's $n placeholders.
func pgInsertSQL(n int) string {
	if q, ok := pgInsertSQLs.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO notifications (` + notificationColumns + `) VALUES `)
	p := 1
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range notificationColumnCount {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	b.WriteString(` ON CONFLICT DO NOTHING RETURNING id`)
	q, _ := pgInsertSQLs.LoadOrStore(n, b.String())
	return q.(string)
}
