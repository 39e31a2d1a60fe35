package instrument_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
)

func TestPrefix(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s := instrument.Prefix(rec, instrument.DefaultPrefix)
	s.Incr("dao.get_service")
	s.Timing("sms.total-time", time.Second)
	g, ok := s.(notify.Gauger)
	require.True(t, ok, "a prefixed Gauger still sets gauges")
	g.Gauge("queue.depth", 3)
	assert.Equal(t, []event{
		{"incr", "notifications.api.dao.get_service"},
		{"timing", "notifications.api.sms.total-time"},
		{"gauge", "notifications.api.queue.depth"},
	}, rec.Events(""))
	assert.Equal(t, []time.Duration{time.Second}, rec.Durations())

	// Wrappers and Prefix compose.
	rec.Reset()
	st := instrument.Store(nil, s)
	assert.Nil(t, st)
	p := instrument.Provider(plainProvider{}, s)
	_, err := p.Send(t.Context(), notify.Message{})
	require.NoError(t, err)
	assert.Equal(t, []event{
		{"timing", "notifications.api.clients.mmg.request-time"},
		{"incr", "notifications.api.clients.mmg.success"},
	}, rec.Events(""))
}

func TestPrefixEdges(t *testing.T) {
	t.Parallel()
	c := &counter{}
	s := instrument.Prefix(c, "x.")
	_, ok := s.(notify.Gauger)
	assert.False(t, ok, "no Gauge when the inner Stats has none")
	s.Incr("a")
	s.Timing("b", 0)
	assert.Equal(t, []string{"x.a", "x.b"}, c.names)

	assert.Same(t, c, instrument.Prefix(c, ""), "an empty prefix changes nothing")
	assert.Equal(t, notify.DiscardStats{}, instrument.Prefix(nil, "x."))
}
