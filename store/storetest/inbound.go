package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func testInboundSMS(t *testing.T, newStore func(t *testing.T) notify.Store) {
	f := setup(t, newStore)
	other := f.other()
	ctx, s := f.ctx, f.store

	var msgs []*notify.InboundSMS
	for i := range 9 {
		m := &notify.InboundSMS{
			ID:           uuid.New(),
			ServiceID:    f.svc.ID,
			NotifyNumber: "07700900000",
			UserNumber:   fmt.Sprintf("4477009001%02d", i),
			Content:      fmt.Sprintf("message %d ’ – 🙂", i),
			Provider:     "mmg",
			CreatedAt:    at(time.Duration(i/2) * time.Minute), // pairs share created_at
		}
		require.NoError(t, s.CreateInboundSMS(ctx, m))
		msgs = append(msgs, m)
	}
	require.NoError(t, s.CreateInboundSMS(ctx, &notify.InboundSMS{ID: uuid.New(), ServiceID: other.svc.ID, Content: "other", CreatedAt: at(time.Hour)}))

	sorted := slices.Clone(msgs)
	slices.SortFunc(sorted, func(a, b *notify.InboundSMS) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
	ids := func(ms []notify.InboundSMS) []uuid.UUID {
		out := make([]uuid.UUID, len(ms))
		for i, m := range ms {
			out[i] = m.ID
		}
		return out
	}
	want := make([]uuid.UUID, len(sorted))
	for i, m := range sorted {
		want[i] = m.ID
	}

	got, err := s.ListInboundSMS(ctx, f.svc.ID, nil, 0)
	require.NoError(t, err)
	assert.Equal(t, want, ids(got))
	for i := range got {
		assert.Equal(t, normInbound(*sorted[i]), normInbound(got[i]))
	}

	tests := []struct {
		name      string
		olderThan *uuid.UUID
		limit     int
		want      []uuid.UUID
	}{
		{"limit", nil, 3, want[:3]},
		{"older than first", &want[0], 0, want[1:]},
		{"older than a tie", &want[3], 2, want[4:6]},
		{"older than last", &want[len(want)-1], 0, nil},
		{"unknown older than", ptr(uuid.New()), 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListInboundSMS(ctx, f.svc.ID, tc.olderThan, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, tc.want, nilIfEmpty(ids(got)))
		})
	}

	t.Run("paging", func(t *testing.T) {
		var seen []uuid.UUID
		var older *uuid.UUID
		for range 20 {
			got, err := s.ListInboundSMS(ctx, f.svc.ID, older, 2)
			require.NoError(t, err)
			if len(got) == 0 {
				break
			}
			seen = append(seen, ids(got)...)
			older = ptr(got[len(got)-1].ID)
		}
		assert.Equal(t, want, seen)
	})

	t.Run("other service", func(t *testing.T) {
		got, err := s.ListInboundSMS(ctx, other.svc.ID, nil, 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "other", got[0].Content)
		none, err := s.ListInboundSMS(ctx, uuid.New(), nil, 0)
		require.NoError(t, err)
		assert.Empty(t, none)
	})

	t.Run("duplicate", func(t *testing.T) {
		dup := *msgs[0]
		dup.Content = "changed"
		require.ErrorIs(t, s.CreateInboundSMS(ctx, &dup), notify.ErrDuplicate)
		got, err := s.ListInboundSMS(ctx, f.svc.ID, nil, 0)
		require.NoError(t, err)
		assert.Len(t, got, len(msgs))
		for _, m := range got {
			assert.NotEqual(t, "changed", m.Content)
		}
	})
}
