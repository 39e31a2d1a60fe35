package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

func TestCloseRefusesNewWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	n := f.env.Notifier
	require.NoError(t, n.Close(ctx))
	require.NoError(t, n.Close(ctx), "Close is idempotent")
	tests := map[string]func() error{
		"SendSMS":   func() error { return second(f.sendSMS(notify.KeyTypeLive, teamPhone)) },
		"SendEmail": func() error { return second(f.sendEmail(notify.KeyTypeLive, teamEmail)) },
		"Get":       func() error { return second(n.Get(ctx, f.keys[notify.KeyTypeLive], f.sms.ID)) },
		"Run":       func() error { return n.Run(ctx) },
	}
	for name, call := range tests {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.ErrorIs(t, err, notify.ErrClosed)
			assert.Contains(t, err.Error(), "the Notifier is closed")
		})
	}
	_, err := n.CreateService(ctx, notify.Service{Name: "admin still works"})
	assert.NoError(t, err, "the adapters are the caller's: admin methods go on")
}

func TestCloseStopsRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, notify.Service{})
	done := make(chan error, 1)
	go func() { done <- f.env.Notifier.Run(context.Background()) }()
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.env.Get(t, nt.ID).Status.Final() }, 10*time.Second, time.Millisecond,
		"Run delivers")
	require.NoError(t, f.env.Notifier.Close(ctx))
	select {
	case err := <-done:
		assert.NoError(t, err, "stopped by Close as by its context")
	default:
		t.Fatal("Close returned before Run did")
	}
}

// TestCloseWaitsForGroupCommits: a send accepted before Close is stored and
// queued before Close returns.
func TestCloseWaitsForGroupCommits(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 100, notify.Config{})
	e.store.hold.Store(true)
	first := e.sendAsync(ctx, 0)
	<-e.store.entered // the first commit is running, held
	second := e.sendAsync(ctx, 1)
	e.waitPending(t, 1) // the second waits for the next commit
	closed := make(chan error, 1)
	go func() { closed <- e.n.Close(ctx) }()
	require.Eventually(t, func() bool {
		_, err := e.n.Get(ctx, e.caller, e.tpl.ID) // never waits for a commit
		return errors.Is(err, notify.ErrClosed)
	}, 10*time.Second, time.Millisecond, "Close refuses new work at once")
	_, err := e.send(ctx, 2)
	require.ErrorIs(t, err, notify.ErrClosed, "and new sends")
	select {
	case <-closed:
		t.Fatal("Close returned while a commit was in flight")
	case <-time.After(20 * time.Millisecond):
	}
	e.store.release <- struct{}{}
	<-e.store.entered
	e.store.release <- struct{}{}
	require.NoError(t, <-closed)
	for i, ch := range []<-chan sendResult{first, second} {
		r := recv(t, ch, "send")
		require.NoError(t, r.err, i)
		assert.Equal(t, 1, e.queue.queued(r.n.ID), "queued before Close returned")
	}
	assert.Equal(t, 2, e.stored(t))
}

func TestCloseGivesUpWithItsContext(t *testing.T) {
	t.Parallel()
	e := newCommitEnv(t, 100, notify.Config{})
	e.store.hold.Store(true)
	pending := e.sendAsync(ctx, 0)
	<-e.store.entered
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, e.n.Close(short), context.DeadlineExceeded)
	e.store.release <- struct{}{}
	require.NoError(t, e.n.Close(ctx), "a later Close waits again")
	assert.NoError(t, recv(t, pending, "send").err)
}

// settingsStore counts the Store calls that load the development key and
// the context they were made with.
type settingsStore struct {
	*memstore.Store
	calls atomic.Int32
	fail  atomic.Bool
	mu    sync.Mutex
	ctxs  []context.Context
}

type ctxMark struct{}

func (s *settingsStore) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	s.calls.Add(1)
	s.mu.Lock()
	s.ctxs = append(s.ctxs, ctx)
	s.mu.Unlock()
	if s.fail.Load() {
		return "", errors.New("store unavailable")
	}
	return s.Store.LoadOrStoreSetting(ctx, name, value)
}

func (s *settingsStore) Close() error {
	s.calls.Add(1000)
	return nil
}

func TestNewDoesNoIO(t *testing.T) {
	t.Parallel()
	st := &settingsStore{Store: memstore.New()}
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	n, err := notify.New(notify.Config{Store: st, Queue: q, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	assert.Zero(t, st.calls.Load(), "New loads no development key")

	svc, err := n.CreateService(ctx, notify.Service{Name: "S"})
	require.NoError(t, err)
	st.fail.Store(true)
	_, err = n.CreateAPIKey(ctx, svc.ID, "k", notify.KeyTypeLive)
	require.Error(t, err, "a failed load fails the call that needed the key")
	st.fail.Store(false)
	marked := context.WithValue(ctx, ctxMark{}, "the caller's")
	key, err := n.CreateAPIKey(marked, svc.ID, "k", notify.KeyTypeLive)
	require.NoError(t, err, "and is tried again")
	_, err = n.CreateAPIKey(ctx, svc.ID, "k2", notify.KeyTypeLive)
	require.NoError(t, err)
	assert.EqualValues(t, 2, st.calls.Load(), "loaded once it succeeded")
	assert.Equal(t, "the caller's", st.ctxs[1].Value(ctxMark{}), "loaded with the caller's context")

	token, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	require.NoError(t, err)
	_, err = n.Authenticate(ctx, "Bearer "+token)
	require.NoError(t, err)
	require.NoError(t, n.Close(ctx))
	assert.EqualValues(t, 2, st.calls.Load(), "Close leaves the Store to its owner")
}
