package gormstore

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	"gorm.io/gorm/schema"
	sqlite "modernc.org/sqlite"
)

// openSQLiteDB opens the database/sql pool of a SQLite file through the
// pure-Go driver modernc.org/sqlite, with dsn the file name and its query
// parameters, each connection keeping the statements it compiles (see
// stmtcache.go). The connector is not registered with database/sql under
// any name.
func openSQLiteDB(dsn string) (*sql.DB, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtCacheConnector{base: base, size: stmtCacheSize}), nil
}

// sqliteDialector is gorm's SQLite dialect over a pool opened by
// openSQLiteDB. The Store writes its own SQL, so the dialect only needs what
// Raw, Exec, Scan and Transaction use: placeholders, quoting, the default
// callbacks and savepoints; the migrator is gorm's generic one.
type sqliteDialector struct {
	conn *sql.DB
}

var (
	_ gorm.Dialector                     = sqliteDialector{}
	_ gorm.SavePointerDialectorInterface = sqliteDialector{}
)

// Name implements gorm.Dialector.
func (sqliteDialector) Name() string { return "sqlite" }

// Initialize implements gorm.Dialector.
func (d sqliteDialector) Initialize(db *gorm.DB) error {
	db.ConnPool = d.conn
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	db.ClauseBuilders["LIMIT"] = func(c clause.Clause, b clause.Builder) {
		limit, ok := c.Expression.(clause.Limit)
		if !ok {
			c.Build(b)
			return
		}
		n := -1
		if limit.Limit != nil && *limit.Limit >= 0 {
			n = *limit.Limit
		}
		if n >= 0 || limit.Offset > 0 {
			b.WriteString("LIMIT " + strconv.Itoa(n))
		}
		if limit.Offset > 0 {
			b.WriteString(" OFFSET " + strconv.Itoa(limit.Offset))
		}
	}
	db.ClauseBuilders["FOR"] = func(c clause.Clause, b clause.Builder) {
		if _, ok := c.Expression.(clause.Locking); ok {
			return // SQLite locks the whole database, never rows
		}
		c.Build(b)
	}
	return nil
}

// Migrator implements gorm.Dialector.
func (d sqliteDialector) Migrator(db *gorm.DB) gorm.Migrator {
	return migrator.Migrator{Config: migrator.Config{DB: db, Dialector: d, CreateIndexAfterCreateTable: true}}
}

// DataTypeOf implements gorm.Dialector.
func (sqliteDialector) DataTypeOf(field *schema.Field) string {
	switch field.DataType {
	case schema.Bool, schema.Int, schema.Uint:
		return "integer"
	case schema.Float:
		return "real"
	case schema.String:
		return "text"
	case schema.Time:
		return "integer"
	case schema.Bytes:
		return "blob"
	}
	return string(field.DataType)
}

// DefaultValueOf implements gorm.Dialector.
func (sqliteDialector) DefaultValueOf(field *schema.Field) clause.Expression {
	if field.AutoIncrement {
		return clause.Expr{SQL: "NULL"}
	}
	return clause.Expr{SQL: "DEFAULT"}
}

// BindVarTo implements gorm.Dialector.
func (sqliteDialector) BindVarTo(w clause.Writer, _ *gorm.Statement, _ any) {
	_ = w.WriteByte('?')
}

// QuoteTo implements gorm.Dialector: each dot-separated part of name in
// double quotes, a double quote inside doubled.
func (sqliteDialector) QuoteTo(w clause.Writer, name string) {
	for i, part := range strings.Split(name, ".") {
		if i > 0 {
			_ = w.WriteByte('.')
		}
		_, _ = w.WriteString(`"` + strings.ReplaceAll(part, `"`, `""`) + `"`)
	}
}

// Explain implements gorm.Dialector.
func (sqliteDialector) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `'`, vars...)
}

// SavePoint implements gorm.SavePointerDialectorInterface.
func (d sqliteDialector) SavePoint(tx *gorm.DB, name string) error {
	return tx.Exec("SAVEPOINT " + quoteIdent(name)).Error
}

// RollbackTo implements gorm.SavePointerDialectorInterface.
func (d sqliteDialector) RollbackTo(tx *gorm.DB, name string) error {
	return tx.Exec("ROLLBACK TO SAVEPOINT " + quoteIdent(name)).Error
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(name string) string {
	return fmt.Sprintf(`"%s"`, strings.ReplaceAll(name, `"`, `""`))
}
