package gormstore

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
)

// SQLite compiles every statement before running it, and compiling (parsing
// and planning) costs more than running the short INSERTs, UPDATEs and
// point reads of the send path. database/sql prepares nothing by itself:
// Exec and Query with arguments go to the driver's ExecContext and
// QueryContext, which compile the text, run it once and throw the compiled
// program away. The connections of a SQLite Store are wrapped so that each
// keeps the statements it compiled, keyed by their text, and runs them
// again with new arguments.
//
// The cache belongs to one connection (database/sql never uses a
// connection from two goroutines at once), so it needs no lock. It is
// bounded: at most stmtCacheSize statements per connection, the least
// recently used closed first, and statements longer than stmtCacheMaxSQL
// bytes (rare, made of long IN lists or VALUES lists) are never kept.
const (
	stmtCacheSize   = 128
	stmtCacheMaxSQL = 64 << 10
)

// stmtCacheConnector opens connections through base and wraps each in a
// statement cache.
type stmtCacheConnector struct {
	base driver.Connector
	size int
}

var _ driver.Connector = stmtCacheConnector{}

// Connect implements driver.Connector.
func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newStmtCacheConn(conn, c.size)
}

// Driver implements driver.Connector.
func (c stmtCacheConnector) Driver() driver.Driver { return c.base.Driver() }

// innerConn is what stmtCacheConn needs of the driver's connection: the
// context-aware methods, which every connection of modernc.org/sqlite has.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

// innerStmt is a prepared statement with context-aware Exec and Query.
type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// stmtCacheConn is a driver connection that keeps the statements it runs.
// Statements it cannot keep run through the wrapped connection as before.
type stmtCacheConn struct {
	c     innerConn
	size  int
	lru   *list.List               // of *cachedStmt, most recently used first
	byKey map[string]*list.Element // SQL text → element of lru
}

// cachedStmt is one kept statement. open counts the result sets read from
// it that are not closed yet: while one is, the statement cannot run again
// (that would reset the result set under its reader), so the same text runs
// uncached. evicted marks a statement dropped from the cache while open,
// closed when its last result set is.
type cachedStmt struct {
	query   string
	s       innerStmt
	open    int
	evicted bool
}

var (
	_ driver.Conn               = (*stmtCacheConn)(nil)
	_ driver.ConnBeginTx        = (*stmtCacheConn)(nil)
	_ driver.ConnPrepareContext = (*stmtCacheConn)(nil)
	_ driver.ExecerContext      = (*stmtCacheConn)(nil)
	_ driver.QueryerContext     = (*stmtCacheConn)(nil)
	_ driver.Pinger             = (*stmtCacheConn)(nil)
	_ driver.SessionResetter    = (*stmtCacheConn)(nil)
	_ driver.Validator          = (*stmtCacheConn)(nil)
)

// newStmtCacheConn wraps conn, which must have the context-aware methods;
// size <= 0 keeps nothing.
func newStmtCacheConn(conn driver.Conn, size int) (driver.Conn, error) {
	c, ok := conn.(innerConn)
	if !ok {
		_ = conn.Close()
		return nil, errors.New("gormstore: sqlite connection lacks context-aware Exec, Query or Prepare")
	}
	return &stmtCacheConn{c: c, size: size, lru: list.New(), byKey: map[string]*list.Element{}}, nil
}

// Unwrap returns the driver's connection, for code that reaches it through
// (*sql.Conn).Raw.
func (c *stmtCacheConn) Unwrap() driver.Conn { return c.c }

// stmt returns the kept statement for query, compiling and keeping it on
// first use. It returns nil when query is not to be kept or its statement
// has an open result set; the caller then runs query uncached.
func (c *stmtCacheConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if c.size <= 0 || len(query) > stmtCacheMaxSQL {
		return nil, nil
	}
	if e, ok := c.byKey[query]; ok {
		c.lru.MoveToFront(e)
		cs := e.Value.(*cachedStmt)
		if cs.open > 0 {
			return nil, nil
		}
		return cs, nil
	}
	ds, err := c.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := ds.(innerStmt)
	if !ok {
		_ = ds.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, s: s}
	c.byKey[query] = c.lru.PushFront(cs)
	for c.lru.Len() > c.size {
		c.evict(c.lru.Back())
	}
	return cs, nil
}

// evict drops e from the cache and closes its statement unless a result
// set of it is still open.
func (c *stmtCacheConn) evict(e *list.Element) {
	cs := e.Value.(*cachedStmt)
	c.lru.Remove(e)
	delete(c.byKey, cs.query)
	cs.evicted = true
	if cs.open == 0 {
		_ = cs.s.Close()
	}
}

// ExecContext implements driver.ExecerContext.
func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.c.ExecContext(ctx, query, args)
	}
	return cs.s.ExecContext(ctx, args)
}

// QueryContext implements driver.QueryerContext.
func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.c.QueryContext(ctx, query, args)
	}
	r, err := cs.s.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.open++
	return &cachedRows{Rows: r, cs: cs}, nil
}

// PrepareContext implements driver.ConnPrepareContext. A statement the
// caller prepares is its own: it is not kept here.
func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.c.PrepareContext(ctx, query)
}

// Prepare implements driver.Conn.
func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) {
	return c.c.PrepareContext(context.Background(), query)
}

// BeginTx implements driver.ConnBeginTx.
func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.c.BeginTx(ctx, opts)
}

// Begin implements driver.Conn.
//
// Deprecated: database/sql calls BeginTx.
func (c *stmtCacheConn) Begin() (driver.Tx, error) {
	return c.c.BeginTx(context.Background(), driver.TxOptions{})
}

// Close closes the kept statements, then the connection: SQLite refuses
// to close a connection whose statements are not finalized.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if err := e.Value.(*cachedStmt).s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.lru.Init()
	clear(c.byKey)
	errs = append(errs, c.c.Close())
	return errors.Join(errs...)
}

// Ping implements driver.Pinger.
func (c *stmtCacheConn) Ping(ctx context.Context) error {
	if p, ok := c.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *stmtCacheConn) IsValid() bool {
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachedRows is a result set of a kept statement: closing it frees the
// statement for its next run. It passes on the driver's column type
// information.
type cachedRows struct {
	driver.Rows
	cs     *cachedStmt
	closed bool
}

var (
	_ driver.RowsColumnTypeDatabaseTypeName = (*cachedRows)(nil)
	_ driver.RowsColumnTypeLength           = (*cachedRows)(nil)
	_ driver.RowsColumnTypeNullable         = (*cachedRows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*cachedRows)(nil)
	_ driver.RowsColumnTypeScanType         = (*cachedRows)(nil)
)

// Close implements driver.Rows.
func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if !r.closed {
		r.closed = true
		r.cs.open--
		if r.cs.open == 0 && r.cs.evicted {
			err = errors.Join(err, r.cs.s.Close())
		}
	}
	return err
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (r *cachedRows) ColumnTypeDatabaseTypeName(index int) string {
	if x, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

// ColumnTypeLength implements driver.RowsColumnTypeLength.
func (r *cachedRows) ColumnTypeLength(index int) (int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(index)
	}
	return 0, false
}

// ColumnTypeNullable implements driver.RowsColumnTypeNullable.
func (r *cachedRows) ColumnTypeNullable(index int) (nullable, ok bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(index)
	}
	return false, false
}

// ColumnTypePrecisionScale implements driver.RowsColumnTypePrecisionScale.
func (r *cachedRows) ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}

// ColumnTypeScanType implements driver.RowsColumnTypeScanType.
func (r *cachedRows) ColumnTypeScanType(index int) reflect.Type {
	if x, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}
