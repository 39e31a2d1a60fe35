package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	notify "github.com/notifykit/notify"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

type dialect int

const (
	dialectPostgres dialect = iota + 1
	dialectSQLite
)

// Options tunes a Store. The zero value gives the defaults documented on
// each field.
type Options struct {
	// MaxOpenConns caps the connection pool (PostgreSQL) or the reader pool
	// (SQLite). Default: 3 per CPU (GOMAXPROCS), at least 4.
	MaxOpenConns int
	// MaxIdleConns is how many idle connections are kept. Default:
	// MaxOpenConns.
	MaxIdleConns int
	// ConnMaxLifetime recycles connections after this age. Default: 30m.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle for this long. Default: 5m.
	ConnMaxIdleTime time.Duration
	// BusyTimeout is how long a SQLite connection waits for a lock held by
	// another process before failing with SQLITE_BUSY. The wait does not
	// watch the context, so a call may outlive its deadline by up to this
	// much. Default: 5s.
	BusyTimeout time.Duration
	// SQLiteSynchronousFull makes every SQLite commit wait for the disk
	// (PRAGMA synchronous=FULL). The default, NORMAL, never corrupts the
	// database in WAL mode but a power cut may lose the last commits.
	SQLiteSynchronousFull bool
	// Logger receives gorm's query logs. Default: silent.
	Logger logger.Interface
}

func (o Options) withDefaults() Options {
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = max(4, 3*runtime.GOMAXPROCS(0))
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if o.ConnMaxLifetime <= 0 {
		o.ConnMaxLifetime = 30 * time.Minute
	}
	if o.ConnMaxIdleTime <= 0 {
		o.ConnMaxIdleTime = 5 * time.Minute
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = logger.Discard
	}
	return o
}

// Store is a notify.Store on PostgreSQL or SQLite. It is safe for
// concurrent use. Open it with OpenPostgres or OpenSQLite and Close it when
// done.
type Store struct {
	dialect dialect
	// w runs writes; r runs reads. On PostgreSQL they are the same pool. On
	// SQLite w has a single connection (SQLite allows one writer at a time;
	// queueing writers in the pool avoids SQLITE_BUSY) and r has several
	// read-only connections that run beside it thanks to WAL.
	w, r   *gorm.DB
	closed atomic.Bool
	// direct lets plain statements bypass gorm's placeholder rewriting
	// (direct.go).
	direct bool
	// ck checkpoints the WAL beside the writer (SQLite only).
	ck *checkpointer
}

var _ notify.Store = (*Store)(nil)

// OpenPostgres connects to PostgreSQL with a pgx DSN (URL or key=value
// form), migrates the schema and returns the Store. The schema lives in the
// connection's current schema (set search_path in the DSN to choose it).
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	return openPostgres(ctx, dsn, opts, 0)
}

// openPostgres opens and migrates up to schema version target (0: latest).
func openPostgres(ctx context.Context, dsn string, opts Options, target int) (*Store, error) {
	opts = opts.withDefaults()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("gormstore: open postgres: parse DSN: %w", err)
	}
	// When a context ends mid-statement, ask the server to cancel the
	// statement (and close the connection only if it does not answer)
	// rather than just dropping the connection: a dropped connection leaves
	// the statement running on the server, so an UPDATE waiting on a lock
	// would still apply after the caller was told it failed.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	sqlDB := stdlib.OpenDB(*cfg)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig(opts))
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("gormstore: open postgres: %w", err)
	}
	if err := configurePool(db, opts.MaxOpenConns, opts.MaxIdleConns, opts); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	s := &Store{dialect: dialectPostgres, w: db, r: db}
	if err := s.start(ctx, target); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenSQLite opens (creating if needed, with mode 0600) the SQLite
// database file at path, migrates the schema and returns the Store. It uses the pure-Go driver
// modernc.org/sqlite (no cgo) in WAL mode with foreign keys on and a
// busy timeout; writes go through one connection that begins IMMEDIATE
// transactions, reads through a pool of read-only connections. Each
// connection compiles a statement once and keeps it for later runs, and a
// goroutine with a connection of its own copies the WAL back into the
// database (checkpoints) so that the writer never does. path is a file
// name; it must not contain '?'.
func OpenSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	return openSQLite(ctx, path, opts, 0)
}

// openSQLite opens and migrates up to schema version target (0: latest).
func openSQLite(ctx context.Context, path string, opts Options, target int) (*Store, error) {
	opts = opts.withDefaults()
	if path == "" || strings.Contains(path, "?") || path == ":memory:" {
		return nil, fmt.Errorf("gormstore: open sqlite: invalid path %q (need a file name without '?')", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	syncMode := "NORMAL"
	if opts.SQLiteSynchronousFull {
		syncMode = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+syncMode+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "wal_autocheckpoint(0)") // the checkpointer's job
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", sqliteWALSizeLimit))
	q.Add("_txlock", "immediate")
	w, err := openSQLiteGorm(path+"?"+q.Encode(), opts)
	if err != nil {
		return nil, fmt.Errorf("gormstore: open sqlite %s: %w", path, err)
	}
	s := &Store{dialect: dialectSQLite, w: w, direct: directOK(dialectSQLite, opts)}
	if err := configurePool(w, 1, 1, opts); err != nil {
		_ = s.closePools()
		return nil, err
	}
	// The writer sets WAL mode and creates the schema before readers open.
	if err := s.start(ctx, target); err != nil {
		return nil, err
	}
	rq := url.Values{}
	rq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	rq.Add("_pragma", "query_only(1)")
	r, err := openSQLiteGorm(path+"?"+rq.Encode(), opts)
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("gormstore: open sqlite %s (readers): %w", path, err)
	}
	s.r = r
	if err := configurePool(r, opts.MaxOpenConns, opts.MaxIdleConns, opts); err != nil {
		_ = s.Close()
		return nil, err
	}
	cq := url.Values{}
	cq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	cq.Add("_pragma", "synchronous("+syncMode+")")
	if s.ck, err = startCheckpointer(path + "?" + cq.Encode()); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("gormstore: open sqlite %s (checkpointer): %w", path, err)
	}
	return s, nil
}

// openSQLiteGorm opens a gorm handle on a new SQLite pool for dsn.
func openSQLiteGorm(dsn string, opts Options) (*gorm.DB, error) {
	sqlDB, err := openSQLiteDB(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(sqliteDialector{conn: sqlDB}, gormConfig(opts))
	if err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return db, nil
}

func gormConfig(opts Options) *gorm.Config {
	return &gorm.Config{
		Logger:                 opts.Logger,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

func configurePool(db *gorm.DB, maxOpen, maxIdle int, opts Options) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("gormstore: connection pool: %w", err)
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(min(maxIdle, maxOpen))
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(opts.ConnMaxIdleTime)
	return nil
}

// start migrates; on failure it closes what was opened.
func (s *Store) start(ctx context.Context, target int) error {
	if err := s.migrate(ctx, target); err != nil {
		_ = s.closePools()
		return err
	}
	return nil
}

// Close closes the connection pools. Later calls return errors wrapping
// notify.ErrClosed; closing twice is not an error.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.closePools()
}

func (s *Store) closePools() error {
	var errs []error
	if s.ck != nil {
		// Before the writer, whose closing checkpoints the rest.
		if err := s.ck.close(); err != nil {
			errs = append(errs, err)
		}
	}
	pools := []*gorm.DB{s.w}
	if s.r != s.w {
		pools = append(pools, s.r)
	}
	for _, db := range pools {
		if db == nil {
			continue
		}
		if sqlDB, err := db.DB(); err == nil {
			if err := sqlDB.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gormstore: close: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx, "ping"); err != nil {
		return err
	}
	for _, db := range []*gorm.DB{s.w, s.r} {
		sqlDB, err := db.DB()
		if err != nil {
			return s.wrap(ctx, "ping", err)
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return s.wrap(ctx, "ping", err)
		}
	}
	return nil
}

// check refuses work on a closed store or a done context before touching
// the database.
func (s *Store) check(ctx context.Context, op string) error {
	if s.closed.Load() {
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: %s: %w", op, err)
	}
	return nil
}

// wrap turns a driver error into the Store contract's errors: unique
// violations wrap notify.ErrDuplicate, no rows wrap notify.ErrNotFound, a
// done context wraps ctx.Err(), and everything says which operation failed.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("gormstore: %s: %w (%w)", op, notify.ErrDuplicate, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("gormstore: %s: the service or template it belongs to does not exist: %w (%w)",
			op, notify.ErrNotFound, err)
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("gormstore: %s: %w", op, notify.ErrNotFound)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("gormstore: %s: %w (%w)", op, cerr, err)
	}
	if s.closed.Load() && !errors.Is(err, notify.ErrClosed) {
		return fmt.Errorf("gormstore: %s: %w (%w)", op, notify.ErrClosed, err)
	}
	return fmt.Errorf("gormstore: %s: %w", op, err)
}

// isUniqueViolation recognises PostgreSQL's 23505 (pgconn.PgError) and
// SQLite's UNIQUE / PRIMARY KEY constraint codes without importing either
// driver's error package.
func isUniqueViolation(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "23505"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		// SQLITE_CONSTRAINT_UNIQUE (2067), SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return lite.Code() == 2067 || lite.Code() == 1555
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// isForeignKeyViolation recognises PostgreSQL's 23503 and SQLite's
// SQLITE_CONSTRAINT_FOREIGNKEY (787).
func isForeignKeyViolation(err error) bool {
	var pg interface{ SQLState() string }
	if errors.As(err, &pg) {
		return pg.SQLState() == "23503"
	}
	var lite interface{ Code() int }
	if errors.As(err, &lite) {
		return lite.Code() == 787
	}
	return errors.Is(err, gorm.ErrForeignKeyViolated)
}
