package gormstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/logger"

	notify "github.com/notifykit/notify"
)

// TestPlainArgs: the arguments of a notification row and of a transition
// pass straight to the database; slices (IN ?) and other types go through
// gorm.
func TestPlainArgs(t *testing.T) {
	for _, s := range []*Store{{dialect: dialectSQLite}, {dialect: dialectPostgres}} {
		n := benchNotification(uuid.New(), uuid.New(), uuid.New())
		now := time.Now()
		n.SentAt, n.UpdatedAt, n.ClaimedUntil = &now, &now, &now
		row := 3
		job := uuid.New()
		n.JobID, n.JobRowNumber = &job, &row
		args, err := s.notificationArgs(n, now)
		require.NoError(t, err)
		assert.True(t, plainArgs(args), "a notification row: %#v", args)
	}
	assert.False(t, plainArgs([]any{"a", []string{"b", "c"}}), "a slice is expanded by gorm")
	assert.False(t, plainArgs([]any{notify.StatusCreated}), "a named type")
	assert.False(t, plainArgs([]any{uuid.New()}), "a driver.Valuer")
}

// recordingLogger counts the statements gorm traces.
type recordingLogger struct {
	logger.Interface
	mu   sync.Mutex
	sqls []string
}

func (l *recordingLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *recordingLogger) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sqls = append(l.sqls, sql)
}

// TestQueryLoggerSeesEveryStatement: with a query logger set, the batch
// INSERT and the transitions still reach it; without one they bypass gorm.
func TestQueryLoggerSeesEveryStatement(t *testing.T) {
	ctx := context.Background()
	rec := &recordingLogger{Interface: logger.Discard}
	st, err := OpenSQLite(ctx, sqlitePath(t), Options{Logger: rec})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	assert.False(t, st.direct)
	svc := &notify.Service{ID: uuid.New(), Name: "S"}
	require.NoError(t, st.CreateService(ctx, svc))
	tmpl := &notify.Template{ID: uuid.New(), ServiceID: svc.ID, Type: notify.SMS, Name: "T", Content: "Hi", Version: 1}
	require.NoError(t, st.CreateTemplate(ctx, tmpl))
	n := benchNotification(svc.ID, tmpl.ID, uuid.Nil)
	require.Nil(t, st.CreateNotifications(ctx, []*notify.Notification{n}))

	rec.mu.Lock()
	logged := strings.Join(rec.sqls, "\n")
	rec.mu.Unlock()
	assert.True(t, strings.Contains(logged, "INSERT INTO notifications ("), "the batch INSERT is logged")

	quiet := newSQLite(t)
	assert.True(t, quiet.direct, "no logger: plain statements bypass gorm")
	assert.False(t, directOK(dialectPostgres, Options{}.withDefaults()), "gorm numbers PostgreSQL's placeholders")
}
