package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

// gaugeStats records gauges.
type gaugeStats struct {
	notify.DiscardStats
	mu     sync.Mutex
	gauges map[string]float64
	incrs  map[string]int
}

func (g *gaugeStats) Gauge(name string, v float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gauges[name] = v
}

func (g *gaugeStats) Incr(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.incrs[name]++
}

func TestArchiveExpired(t *testing.T) {
	start := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := start
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); defer mu.Unlock(); clock = t }
	stats := &gaugeStats{gauges: map[string]float64{}, incrs: map[string]int{}}
	f := newFixture(t, notify.Service{Restricted: false}, notifytest.WithConfig(func(c *notify.Config) {
		c.Clock, c.Stats = now, stats
	}))
	n := f.env.Notifier
	short := f.env.Service(t, notify.Service{Name: "Short", Restricted: false, DataRetentionDays: 3})
	shortKey := f.env.Key(t, short, notify.KeyTypeLive)
	shortTpl := f.env.Template(t, short, notify.SMS, "", "Hi")

	// Email kept 30 days by the fixture's service; its SMS the default 7.
	_, err := n.CreateDataRetention(ctx, f.svc.ID, notify.Email, 30)
	require.NoError(t, err)

	sms, err := f.sendSMS(notify.KeyTypeLive, strangerSMS)
	require.NoError(t, err)
	test, err := f.sendSMS(notify.KeyTypeSimulate, strangerSMS)
	require.NoError(t, err)
	email, err := f.sendEmail(notify.KeyTypeLive, strangerEm)
	require.NoError(t, err)
	shortSMS, err := n.SendSMS(ctx, shortKey, &notify.SMSRequest{PhoneNumber: strangerSMS, TemplateID: shortTpl.ID})
	require.NoError(t, err)

	gone := func(id uuid.UUID) bool {
		_, err := f.env.Store.GetNotification(ctx, id)
		return err != nil
	}
	steps := []struct {
		at        time.Time
		wantTotal int
		gone      []uuid.UUID
		kept      []uuid.UUID
	}{
		{start.AddDate(0, 0, 3), 0, nil, []uuid.UUID{sms.ID, test.ID, email.ID, shortSMS.ID}},
		// Midnight 3 days before 4 May is 1 May 00:00, before the send.
		{start.AddDate(0, 0, 4), 1, []uuid.UUID{shortSMS.ID}, []uuid.UUID{sms.ID, test.ID, email.ID}},
		{start.AddDate(0, 0, 8), 2, []uuid.UUID{sms.ID, test.ID}, []uuid.UUID{email.ID}},
		{start.AddDate(0, 0, 31), 1, []uuid.UUID{email.ID}, nil},
	}
	for _, s := range steps {
		set(s.at)
		res, err := n.ArchiveExpired(ctx)
		require.NoError(t, err)
		assert.Equal(t, s.wantTotal, res.Total, "at %s", s.at)
		for _, id := range s.gone {
			assert.True(t, gone(id), "%s archived at %s", id, s.at)
		}
		for _, id := range s.kept {
			assert.False(t, gone(id), "%s kept at %s", id, s.at)
		}
	}
	assert.Equal(t, 4, stats.incrs["retention.run"])
	assert.Equal(t, 1.0, stats.gauges["retention.archived.email"], "the last pass's count")
	assert.Equal(t, 0.0, stats.gauges["retention.archived.sms"])
}

func TestRunRetentionStopsWithItsContext(t *testing.T) {
	var mu sync.Mutex
	offset := time.Duration(0)
	f := newFixture(t, notify.Service{Restricted: false}, notifytest.WithConfig(func(c *notify.Config) {
		c.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
	}))
	sent := make([]uuid.UUID, 0, 2)
	for range 2 {
		nt, err := f.sendSMS(notify.KeyTypeSimulate, strangerSMS)
		require.NoError(t, err)
		sent = append(sent, nt.ID)
	}
	mu.Lock()
	offset = 10 * 24 * time.Hour
	mu.Unlock()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.env.Notifier.RunRetention(runCtx, time.Hour) }()
	require.Eventually(t, func() bool {
		_, err := f.env.Store.GetNotification(ctx, sent[1])
		return err != nil
	}, 5*time.Second, 10*time.Millisecond, "the first pass runs at once")
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("RunRetention did not stop")
	}
}

func TestDataRetentionSettings(t *testing.T) {
	f := newFixture(t, notify.Service{})
	n := f.env.Notifier
	r, err := n.CreateDataRetention(ctx, f.svc.ID, notify.SMS, 14)
	require.NoError(t, err)

	_, err = n.CreateDataRetention(ctx, f.svc.ID, notify.SMS, 20)
	requireRefusal(t, err, 400, notify.NameBadRequest, "Service already has data retention for sms notification type")
	_, err = n.CreateDataRetention(ctx, f.svc.ID, notify.Letter, 2)
	assert.Equal(t, map[string][]string{"notification_type": {"Must be one of: sms, email."},
		"days_of_retention": {"Must be between 3 and 90."}}, fieldErrors(t, err))
	_, err = n.CreateDataRetention(ctx, uuid.New(), notify.SMS, 14)
	assert.ErrorIs(t, err, notify.ErrNoResult)

	require.NoError(t, n.UpdateDataRetention(ctx, f.svc.ID, r.ID, 60))
	missing := uuid.New()
	err = n.UpdateDataRetention(ctx, f.svc.ID, missing, 60)
	requireRefusal(t, err, 404, notify.NameNoResultFound,
		"The service data retention for id: "+missing.String()+" was not found for service: "+f.svc.ID.String())
	assert.Equal(t, map[string][]string{"days_of_retention": {"Must be between 3 and 90."}},
		fieldErrors(t, n.UpdateDataRetention(ctx, f.svc.ID, r.ID, 91)))

	list, err := n.DataRetention(ctx, f.svc.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, 60, list[0].Days)
}
