package gormstore

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Times are stored with microsecond precision in UTC: timestamptz on
// PostgreSQL, integer Unix microseconds on SQLite (so that ordering and
// comparisons are plain integer ones).

// ts is the argument for a time column.
func (s *Store) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.dialect == dialectSQLite {
		return t.UnixMicro()
	}
	return t
}

// tsp is the argument for a nullable time column.
func (s *Store) tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

// dbTime scans a time column of either dialect.
type dbTime struct {
	t     time.Time
	valid bool
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t, d.valid = time.Time{}, false
	case time.Time:
		d.t, d.valid = x.UTC(), true
	case int64:
		d.t, d.valid = time.UnixMicro(x).UTC(), true
	case float64:
		d.t, d.valid = time.UnixMicro(int64(x)).UTC(), true
	case []byte:
		return d.scanText(string(x))
	case string:
		return d.scanText(x)
	default:
		return fmt.Errorf("gormstore: cannot scan %T into a time", v)
	}
	return nil
}

func (d *dbTime) scanText(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d.t, d.valid = time.UnixMicro(n).UTC(), true
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("gormstore: cannot scan %q into a time: %w", s, err)
	}
	d.t, d.valid = t.UTC(), true
	return nil
}

func (d dbTime) ptr() *time.Time {
	if !d.valid {
		return nil
	}
	t := d.t
	return &t
}

// nullUUID is the argument for a nullable uuid column: uuid.Nil is NULL.
func nullUUID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id.String()
}

// nullUUIDPtr is the argument for a nullable uuid column from a pointer.
func nullUUIDPtr(id *uuid.UUID) any {
	if id == nil {
		return nil
	}
	return id.String()
}

// nullString is the argument for a nullable text column.
func nullString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// emptyNull stores "" as NULL (for columns with partial indexes).
func emptyNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullInt is the argument for a nullable integer column.
func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonText encodes v as JSON text; nil maps and slices become "null" so
// that they read back as nil, and empty ones read back as empty.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode JSON: %w", err)
	}
	return string(b), nil
}

// dbBool scans a boolean column of either dialect.
type dbBool bool

// Scan implements sql.Scanner.
func (b *dbBool) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*b = false
	case bool:
		*b = dbBool(x)
	case int64:
		*b = x != 0
	default:
		return fmt.Errorf("gormstore: cannot scan %T into a bool", v)
	}
	return nil
}
