package instrument_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	rec := &recorder{}
	providers := []notify.Provider{plainProvider{}, nil}
	cfg := instrument.Config(notify.Config{Store: memstore.New(), Queue: newMemQueue(t), Stats: rec, Providers: providers,
		SecretKey: []byte("instrument tests: a 32-byte secret key")},
		instrument.DefaultPrefix)
	assert.Equal(t, []notify.Provider{plainProvider{}, nil}, providers, "the caller's slice is unchanged")
	require.Len(t, cfg.Providers, 2)
	assert.Nil(t, cfg.Providers[1], "a nil provider stays nil, for notify.New to refuse")
	require.NotNil(t, cfg.Sandbox, "a nil Sandbox becomes the built-in one")
	_, ok := cfg.Sandbox.(notify.ReceiptSimulator)
	assert.True(t, ok, "the wrapped built-in sandbox still fakes receipts")

	_, err := cfg.Store.GetService(ctx, uuid.New())
	require.ErrorIs(t, err, notify.ErrNotFound)
	require.NoError(t, cfg.Queue.Enqueue(ctx, notify.QueueSendSMS, notify.Task{}))
	_, err = cfg.Providers[0].Send(ctx, notify.Message{})
	require.NoError(t, err)
	_, err = cfg.Sandbox.Send(ctx, notify.Message{})
	require.NoError(t, err)
	_, err = notify.New(cfg)
	require.ErrorContains(t, err, "notify: Config.Providers[1] is nil")
	cfg.Providers = cfg.Providers[:1]
	n, err := notify.New(cfg)
	require.NoError(t, err)
	n.Stats().Incr("sms.total-time")
	assert.Equal(t, []event{
		{"incr", "notifications.api.dao.get_service"},
		{"timing", "notifications.api.dao.get_service"},
		{"incr", "notifications.api.queue.enqueue.send-sms"},
		{"timing", "notifications.api.queue.enqueue.send-sms"},
		{"timing", "notifications.api.clients.mmg.request-time"},
		{"incr", "notifications.api.clients.mmg.success"},
		{"timing", "notifications.api.clients.sandbox.request-time"},
		{"incr", "notifications.api.clients.sandbox.success"},
		{"incr", "notifications.api.sms.total-time"},
	}, rec.Events(""), "the Notifier's own metrics carry the prefix too")
}

func TestConfigEdges(t *testing.T) {
	t.Parallel()
	plain := notify.Config{Store: memstore.New(), Queue: newMemQueue(t)}
	assert.Equal(t, plain, instrument.Config(plain, instrument.DefaultPrefix), "without Stats nothing is wrapped")

	c := &counter{}
	cfg := instrument.Config(notify.Config{Store: memstore.New(), Queue: newMemQueue(t), Stats: c}, "")
	_, _ = cfg.Store.GetService(t.Context(), uuid.New())
	assert.Equal(t, []string{"dao.get_service", "dao.get_service"}, c.names, "an empty prefix sends bare names")
}
