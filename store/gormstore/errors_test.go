package gormstore

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	notify "github.com/notifykit/notify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

func TestClosedStore(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		st := newStore(t)
		require.NoError(t, st.Close())
		require.NoError(t, st.Close(), "closing twice")
		for _, db := range []*gorm.DB{st.w, st.r} {
			sqlDB, err := db.DB()
			require.NoError(t, err)
			assert.ErrorContains(t, sqlDB.Ping(), "database is closed", "a pool was left open")
		}
		ctx := context.Background()
		assert.ErrorIs(t, st.Ping(ctx), notify.ErrClosed)
		_, err := st.GetNotification(ctx, uuid.New())
		assert.ErrorIs(t, err, notify.ErrClosed)
		err = st.CreateNotification(ctx, &notify.Notification{ID: uuid.New()})
		assert.ErrorIs(t, err, notify.ErrClosed)
		_, err = st.ArchiveNotifications(ctx, uuid.New(), notify.SMS, time.Now(), 10)
		assert.ErrorIs(t, err, notify.ErrClosed)
	})
}

func TestNilArguments(t *testing.T) {
	t.Parallel()
	st := newSQLite(t)
	ctx := context.Background()
	assert.Error(t, st.CreateNotification(ctx, nil))
	assert.Error(t, st.CreateService(ctx, nil))
	assert.Error(t, st.UpdateService(ctx, nil))
	assert.Error(t, st.CreateAPIKey(ctx, nil))
	assert.Error(t, st.CreateTemplate(ctx, nil))
	assert.Error(t, st.UpdateTemplate(ctx, nil))
	assert.Error(t, st.CreateInboundSMS(ctx, nil))
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		open func() (*Store, error)
		want string
	}{
		{"sqlite empty path", func() (*Store, error) { return OpenSQLite(ctx, "", Options{}) }, "invalid path"},
		{"sqlite memory", func() (*Store, error) { return OpenSQLite(ctx, ":memory:", Options{}) }, "invalid path"},
		{"sqlite unwritable dir", func() (*Store, error) {
			return OpenSQLite(ctx, "/nonexistent-dir/notify.db", Options{})
		}, "gormstore:"},
		{"postgres refused", func() (*Store, error) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addr := l.Addr().String()
			require.NoError(t, l.Close())
			return OpenPostgres(ctx, "postgres://nobody@"+addr+"/x?sslmode=disable&connect_timeout=2", Options{})
		}, "gormstore:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, err := tc.open()
			require.Error(t, err)
			assert.Nil(t, st)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// proxy is a TCP proxy to the database that the test can cut, to play a
// database outage.
type proxy struct {
	l     net.Listener
	to    string
	mu    sync.Mutex
	conns []net.Conn
	down  bool
	// sends counts the chunks clients sent to the server: with the
	// extended protocol a client sends one chunk per round trip.
	sends atomic.Int64
}

// countingReader counts the reads that returned data.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n.Add(1)
	}
	return n, err
}

func newProxy(t *testing.T, to string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{l: l, to: to}
	go p.serve()
	t.Cleanup(func() { p.cut(); _ = l.Close() })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		d, err := net.Dial("tcp", p.to)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns = append(p.conns, c, d)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(d, countingReader{c, &p.sends}); _ = d.Close() }()
		go func() { _, _ = io.Copy(c, d); _ = c.Close() }()
	}
}

// cut closes every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

func (p *proxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// pgThroughProxy opens a PostgreSQL store (fresh schema) through a proxy.
func pgThroughProxy(t *testing.T, opts Options) (*Store, *proxy) {
	t.Helper()
	dsn := pgSchemaDSN(t)
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Skip("this test needs a URL-form DSN")
	}
	p := newProxy(t, u.Host)
	u.Host = p.l.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	st, err := OpenPostgres(context.Background(), u.String(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st, p
}

// TestPostgresRoundTrips counts what the client sends to PostgreSQL: once
// the statements are prepared on the connection, creating a notification,
// claiming it and moving its status take one round trip each.
func TestPostgresRoundTrips(t *testing.T) {
	t.Parallel()
	pgDSN(t)
	st, p := pgThroughProxy(t, Options{MaxOpenConns: 1})
	ctx := context.Background()
	now := time.Now()
	mk := func() *notify.Notification {
		return &notify.Notification{ID: uuid.New(), ServiceID: uuid.New(), TemplateID: uuid.New(), TemplateVersion: 1,
			KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700900001", NormalisedTo: "447700900001",
			Body: "hi", Status: notify.StatusCreated}
	}
	from := []notify.Status{notify.StatusCreated}
	upd := notify.NotificationUpdate{Status: notify.StatusSending, SentBy: "sandbox", UpdatedAt: now}
	steps := func(n *notify.Notification) []struct {
		name string
		call func() error
	} {
		return []struct {
			name string
			call func() error
		}{
			{"create", func() error { return st.CreateNotification(ctx, n) }},
			{"claim", func() error { _, err := st.ClaimNotification(ctx, n.ID, now, now.Add(time.Minute)); return err }},
			{"transition", func() error { _, err := st.TransitionNotification(ctx, n.ID, from, upd); return err }},
			{"count", func() error { _, err := st.CountNotifications(ctx, n.ServiceID, now.Add(-time.Hour)); return err }},
		}
	}
	// Warm up: the first use of each statement on a connection prepares it.
	for _, s := range steps(mk()) {
		require.NoError(t, s.call(), s.name)
	}
	for _, s := range steps(mk()) {
		before := p.sends.Load()
		require.NoError(t, s.call(), s.name)
		assert.Equal(t, int64(1), p.sends.Load()-before, "round trips for %s", s.name)
	}
}

// TestPostgresOutage cuts the connection to PostgreSQL under a running
// store: calls fail with wrapped, descriptive errors (no panic, nothing
// half-written), and the store works again once the database is back.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	pgDSN(t)
	st, p := pgThroughProxy(t, Options{MaxOpenConns: 2})
	ctx := context.Background()
	svc := &notify.Service{ID: uuid.New(), Name: "outage"}
	require.NoError(t, st.CreateService(ctx, svc))

	p.cut()
	n := &notify.Notification{ID: uuid.New(), ServiceID: svc.ID, TemplateID: uuid.New(), TemplateVersion: 1,
		KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700900001", NormalisedTo: "447700900001",
		Body: "hi", Status: notify.StatusCreated}
	err := st.CreateNotification(ctx, n)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gormstore: create notification:")
	assert.False(t, errors.Is(err, notify.ErrDuplicate) || errors.Is(err, notify.ErrNotFound), "an outage is neither duplicate nor not-found: %v", err)
	_, err = st.GetService(ctx, svc.ID)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gormstore: get service:")
	assert.Error(t, st.Ping(ctx))

	p.restore()
	require.Eventually(t, func() bool { return st.Ping(ctx) == nil }, 10*time.Second, 50*time.Millisecond)
	_, err = st.GetNotification(ctx, n.ID)
	assert.ErrorIs(t, err, notify.ErrNotFound, "the failed create left a row")
	require.NoError(t, st.CreateNotification(ctx, n))
}

// TestDeadlineWhileBlocked holds a row lock in another transaction so
// that a transition waits on it until its deadline: the error wraps
// context.DeadlineExceeded and the row is unchanged.
func TestDeadlineWhileBlocked(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		st := newStore(t)
		ctx := context.Background()
		n := &notify.Notification{ID: uuid.New(), ServiceID: uuid.New(), TemplateID: uuid.New(), TemplateVersion: 1,
			KeyType: notify.KeyTypeLive, Type: notify.SMS, To: "07700900001", NormalisedTo: "447700900001",
			Body: "hi", Status: notify.StatusCreated}
		require.NoError(t, st.CreateNotification(ctx, n))

		// Another connection holds the row (PostgreSQL) or the write lock
		// (SQLite, through a second store on the same file standing in for
		// another process).
		holder := st.w
		lock := `UPDATE notifications SET queue = 'held' WHERE id = ?`
		if st.dialect == dialectSQLite {
			other, err := OpenSQLite(ctx, sqliteFile(t, st), Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = other.Close() })
			holder = other.w
		}
		tx := holder.Begin()
		require.NoError(t, tx.Error)
		require.NoError(t, tx.Exec(lock, n.ID.String()).Error)

		if st.dialect == dialectSQLite {
			// SQLite's busy wait does not watch the context: shorten it
			// (the writer pool has one connection, so this applies to it).
			require.NoError(t, st.w.Exec(`PRAGMA busy_timeout = 300`).Error)
		}
		tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		_, err := st.TransitionNotification(tctx, n.ID, []notify.Status{notify.StatusCreated},
			notify.NotificationUpdate{Status: notify.StatusSending})
		require.Error(t, err)
		t.Log(err)
		assert.Contains(t, err.Error(), "gormstore: transition notification:")
		if st.dialect == dialectPostgres {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}
		require.NoError(t, tx.Rollback().Error)

		got, err := st.GetNotification(ctx, n.ID)
		require.NoError(t, err)
		assert.Equal(t, notify.StatusCreated, got.Status, "a timed-out transition changed the row")
	})
}

// sqliteFile returns the database file of a SQLite store.
func sqliteFile(t *testing.T, st *Store) string {
	t.Helper()
	var seq int
	var name, file string
	require.NoError(t, st.r.Raw(`PRAGMA database_list`).Row().Scan(&seq, &name, &file))
	return file
}

func TestUnknownParent(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, newStore func(t testing.TB) *Store) {
		st := newStore(t)
		ctx := context.Background()
		unknown := uuid.New()
		tests := []struct {
			name string
			call func() error
		}{
			{"api key", func() error {
				return st.CreateAPIKey(ctx, &notify.APIKey{ID: uuid.New(), ServiceID: unknown, Name: "k",
					KeyType: notify.KeyTypeLive, EncryptedSecret: []byte{1}})
			}},
			{"template", func() error {
				return st.CreateTemplate(ctx, &notify.Template{ID: uuid.New(), ServiceID: unknown, Type: notify.SMS,
					Name: "t", Content: "c"})
			}},
			{"team member", func() error {
				return st.AddTeamMember(ctx, notify.TeamMember{ServiceID: unknown, EmailAddress: "a@example.com"})
			}},
			{"guest list", func() error {
				return st.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: unknown, Recipient: "a@example.com"})
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				require.ErrorIs(t, err, notify.ErrNotFound)
				assert.Contains(t, err.Error(), "does not exist")
			})
		}
	})
}
