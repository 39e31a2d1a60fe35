package rediscache_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	notify "github.com/notifykit/notify"
)

func TestDecrIfPositive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stored    string // "" : no key
		wantV     int64
		wantMiss  bool
		wantValue string // what is stored afterwards ("" : no key)
	}{
		{name: "missing key is not created", wantMiss: true},
		{name: "positive", stored: "3", wantV: 2, wantValue: "2"},
		{name: "one gives the last place back", stored: "1", wantV: 0, wantValue: "0"},
		{name: "zero stays zero", stored: "0", wantV: 0, wantValue: "0"},
		{name: "negative is left alone", stored: "-2", wantV: -2, wantValue: "-2"},
		{name: "large value", stored: "9007199254740993", wantV: 9007199254740992, wantValue: "9007199254740992"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			if tc.stored != "" {
				require.NoError(t, mr.Set("p:k", tc.stored))
			}
			v, err := c.DecrIfPositive(t.Context(), "k")
			if tc.wantMiss {
				require.ErrorIs(t, err, notify.ErrCacheMiss)
				assert.False(t, mr.Exists("p:k"), "DecrIfPositive created a missing key")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantV, v)
			got, err := mr.Get("p:k")
			require.NoError(t, err)
			assert.Equal(t, tc.wantValue, got)
		})
	}
}

func TestDecrIfPositiveKeepsExpiry(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "k", 5, time.Hour))
	mr.FastForward(10 * time.Minute)
	v, err := c.DecrIfPositive(ctx, "k")
	require.NoError(t, err)
	assert.EqualValues(t, 4, v)
	assert.Equal(t, 50*time.Minute, mr.TTL("p:k"), "DecrIfPositive reset the expiry")
}

func TestDecrIfPositiveBadValues(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"seventeen", "1.5", "", "1e3"} {
		t.Run(value, func(t *testing.T) {
			t.Parallel()
			c, mr := newMini(t)
			require.NoError(t, mr.Set("p:k", value))
			_, err := c.DecrIfPositive(t.Context(), "k")
			require.Error(t, err)
			assert.NotErrorIs(t, err, notify.ErrCacheMiss, "a bad value is an error, not a miss")
			assert.Contains(t, err.Error(), "rediscache: decr if positive")
			got, _ := mr.Get("p:k")
			assert.Equal(t, value, got, "a failed DecrIfPositive changed the value")
		})
	}
}

func TestDecrIfPositiveErrors(t *testing.T) {
	t.Parallel()
	c, mr := newMini(t)
	require.NoError(t, mr.Set("p:k", "3"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.DecrIfPositive(ctx, "k")
	require.ErrorIs(t, err, context.Canceled)
	got, _ := mr.Get("p:k")
	assert.Equal(t, "3", got, "a cancelled DecrIfPositive changed the value")

	mr.SetError("LOADING Redis is loading the dataset in memory")
	_, err = c.DecrIfPositive(t.Context(), "k")
	requireRedisError(t, err, "rediscache: decr if positive")
}

// TestDecrIfPositiveNeverBelowZero: more concurrent releases than places
// leave the counter at zero, not below.
func TestDecrIfPositiveNeverBelowZero(t *testing.T) {
	t.Parallel()
	c, _ := newMini(t)
	require.NoError(t, c.Set(t.Context(), "k", 50, time.Hour))
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			v, err := c.DecrIfPositive(context.Background(), "k")
			if assert.NoError(t, err) {
				assert.GreaterOrEqual(t, v, int64(0))
			}
		})
	}
	wg.Wait()
	v, err := c.Get(t.Context(), "k")
	require.NoError(t, err)
	assert.Zero(t, v)
}
