package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openCachedSQLite opens a pool on a fresh file, as OpenSQLite opens its
// writer, and one connection of it with table t(x) holding 1..n.
func openCachedSQLite(t *testing.T, n int) (*sql.DB, *sql.Conn) {
	t.Helper()
	ctx := context.Background()
	db, err := openSQLiteDB(filepath.Join(t.TempDir(), "cache.db") + "?_pragma=journal_mode(WAL)&_txlock=immediate")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = conn.ExecContext(ctx, `CREATE TABLE t (x INTEGER PRIMARY KEY)`)
	require.NoError(t, err)
	for i := 1; i <= n; i++ {
		_, err := conn.ExecContext(ctx, `INSERT INTO t (x) VALUES (?)`, i)
		require.NoError(t, err)
	}
	return db, conn
}

// cacheOf returns the statement cache of conn's driver connection.
func cacheOf(t *testing.T, conn *sql.Conn) *stmtCacheConn {
	t.Helper()
	var c *stmtCacheConn
	require.NoError(t, conn.Raw(func(dc any) error {
		var ok bool
		c, ok = dc.(*stmtCacheConn)
		if !ok {
			return fmt.Errorf("driver connection is %T", dc)
		}
		return nil
	}))
	return c
}

// intsOf returns a function that reads the integers of a query's rows,
// for ints(conn.QueryContext(…)).
func intsOf(t *testing.T) func(rows *sql.Rows, err error) []int {
	return func(rows *sql.Rows, err error) []int {
		t.Helper()
		require.NoError(t, err)
		defer rows.Close()
		var out []int
		for rows.Next() {
			var x int
			require.NoError(t, rows.Scan(&x))
			out = append(out, x)
		}
		require.NoError(t, rows.Err())
		return out
	}
}

// TestStmtCacheKeepsStatements: a statement run again, with other
// arguments, in and out of a transaction, is the one compiled the first
// time, and gives the right answers.
func TestStmtCacheKeepsStatements(t *testing.T) {
	ctx, ints := context.Background(), intsOf(t)
	_, conn := openCachedSQLite(t, 10)
	c := cacheOf(t, conn)
	insert := c.byKey[`INSERT INTO t (x) VALUES (?)`]
	require.NotNil(t, insert, "the INSERT run ten times is kept")
	first := insert.Value.(*cachedStmt).s

	const q = `SELECT x FROM t WHERE x > ? ORDER BY x`
	assert.Equal(t, []int{9, 10}, ints(conn.QueryContext(ctx, q, 8)))
	kept := c.byKey[q].Value.(*cachedStmt).s
	assert.Equal(t, []int{10}, ints(conn.QueryContext(ctx, q, 9)))

	tx, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO t (x) VALUES (?)`, 11)
	require.NoError(t, err)
	assert.Equal(t, []int{10, 11}, ints(tx.QueryContext(ctx, q, 9)))
	require.NoError(t, tx.Commit())

	assert.Same(t, first, c.byKey[`INSERT INTO t (x) VALUES (?)`].Value.(*cachedStmt).s)
	assert.Same(t, kept, c.byKey[q].Value.(*cachedStmt).s)
	assert.Equal(t, 3, c.lru.Len(), "CREATE TABLE, INSERT and SELECT")
}

// TestStmtCacheSameQueryWhileRowsOpen: in a transaction, running a query
// again while the rows of its first run are being read leaves those rows
// intact; the second run is compiled apart.
func TestStmtCacheSameQueryWhileRowsOpen(t *testing.T) {
	ctx, ints := context.Background(), intsOf(t)
	_, conn := openCachedSQLite(t, 5)
	const q = `SELECT x FROM t WHERE x >= ? ORDER BY x`
	tx, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()

	outer, err := tx.QueryContext(ctx, q, 1)
	require.NoError(t, err)
	var got []int
	for outer.Next() {
		var x int
		require.NoError(t, outer.Scan(&x))
		got = append(got, x)
		assert.Equal(t, []int{4, 5}, ints(tx.QueryContext(ctx, q, 4)), "inner run at row %d", x)
		_, err := tx.ExecContext(ctx, q, 2) // Exec of the same text too
		require.NoError(t, err)
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	assert.Equal(t, []int{1, 2, 3, 4, 5}, got)
	// Closed, the kept statement serves the next run.
	assert.Equal(t, []int{5}, ints(tx.QueryContext(ctx, q, 5)))
	assert.Zero(t, cacheOf(t, conn).byKey[q].Value.(*cachedStmt).open)
}

// TestStmtCacheBounded: a connection keeps at most stmtCacheSize
// statements, drops the least recently used, never keeps very long
// statements, and a statement dropped while its rows are read still
// yields them.
func TestStmtCacheBounded(t *testing.T) {
	ctx, ints := context.Background(), intsOf(t)
	_, conn := openCachedSQLite(t, 3)
	c := cacheOf(t, conn)

	const oldest = `SELECT x FROM t ORDER BY x /* oldest */`
	open, err := conn.QueryContext(ctx, oldest)
	require.NoError(t, err)
	require.True(t, open.Next())
	for i := range stmtCacheSize + 10 {
		var x int
		require.NoError(t, conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + x FROM t WHERE x = ?`, i), 1).Scan(&x))
		require.Equal(t, i+1, x)
	}
	assert.Equal(t, stmtCacheSize, c.lru.Len())
	assert.Len(t, c.byKey, stmtCacheSize)
	assert.NotContains(t, c.byKey, oldest, "the least recently used is dropped")
	got := []int{}
	for {
		var x int
		require.NoError(t, open.Scan(&x))
		got = append(got, x)
		if !open.Next() {
			break
		}
	}
	require.NoError(t, open.Err())
	require.NoError(t, open.Close())
	assert.Equal(t, []int{1, 2, 3}, got)

	long := `SELECT x FROM t WHERE x IN (` + strings.Repeat("0, ", stmtCacheMaxSQL/3) + `1)`
	assert.Equal(t, []int{1}, ints(conn.QueryContext(ctx, long)))
	assert.NotContains(t, c.byKey, long)
}

// TestStmtCacheErrors: a statement that does not compile is reported and
// not kept; a kept statement that fails on a constraint runs again.
func TestStmtCacheErrors(t *testing.T) {
	ctx, ints := context.Background(), intsOf(t)
	_, conn := openCachedSQLite(t, 1)
	c := cacheOf(t, conn)
	_, err := conn.ExecContext(ctx, `INSERT INTO nowhere (x) VALUES (?)`, 1)
	require.ErrorContains(t, err, "no such table")
	assert.NotContains(t, c.byKey, `INSERT INTO nowhere (x) VALUES (?)`)

	const ins = `INSERT INTO t (x) VALUES (?)`
	_, err = conn.ExecContext(ctx, ins, 1)
	require.Error(t, err)
	assert.True(t, isUniqueViolation(err), "%v", err)
	_, err = conn.ExecContext(ctx, ins, 2)
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, ints(conn.QueryContext(ctx, `SELECT x FROM t ORDER BY x`)))
}
