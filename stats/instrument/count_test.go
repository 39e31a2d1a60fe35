package instrument_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

// fixedCounter is a notify.ChannelCounter that answers counts and err.
type fixedCounter struct {
	counts notify.DailyCounts
	err    error
}

func (f fixedCounter) CountNotificationsByChannel(context.Context, uuid.UUID, time.Time) (notify.DailyCounts, error) {
	return f.counts, f.err
}

func TestStoreWrapChannelCounter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   fixedCounter
	}{
		{"counts", fixedCounter{counts: notify.DailyCounts{SMS: 3, Email: 2, InternationalSMS: 1}}},
		{"a failed count is counted too", fixedCounter{err: errors.New("store down")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			w, ok := instrument.Store(memstore.New(), rec).(interface{ WrapAbility(p any) })
			require.True(t, ok, "the wrapper decorates the ability the Notifier finds through Unwrap")
			var c notify.ChannelCounter = tc.in
			w.WrapAbility(&c)
			got, err := c.CountNotificationsByChannel(t.Context(), uuid.New(), time.Now())
			assert.Equal(t, tc.in.counts, got)
			assert.Equal(t, tc.in.err, err)
			name := "dao.count_notifications_by_channel"
			assert.Equal(t, []event{{"incr", name}, {"timing", name}}, rec.Events(""))
		})
	}
}
