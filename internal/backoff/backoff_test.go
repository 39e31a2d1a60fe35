package backoff_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify/internal/backoff"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/queue/redisqueue"
)

// TestDefault checks the delays of Default and that both queues use them.
func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{0, 900 * time.Millisecond, 1100 * time.Millisecond},
		{1, 900 * time.Millisecond, 1100 * time.Millisecond},
		{2, 1800 * time.Millisecond, 2200 * time.Millisecond},
		{3, 3600 * time.Millisecond, 4400 * time.Millisecond},
		{8, 115200 * time.Millisecond, 140800 * time.Millisecond},
		{9, 230400 * time.Millisecond, 281600 * time.Millisecond},
		{10, 270 * time.Second, 5 * time.Minute},
		{64, 270 * time.Second, 5 * time.Minute},
		{1 << 30, 270 * time.Second, 5 * time.Minute},
	}
	funcs := map[string]func(int) time.Duration{
		"backoff.Default":           backoff.Default,
		"memqueue.DefaultBackoff":   memqueue.DefaultBackoff,
		"redisqueue.DefaultBackoff": redisqueue.DefaultBackoff,
	}
	for name, f := range funcs {
		for _, tc := range tests {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				seen := map[time.Duration]bool{}
				for range 200 {
					d := f(tc.attempt)
					assert.GreaterOrEqual(t, d, tc.min, "attempt %d", tc.attempt)
					assert.LessOrEqual(t, d, tc.max, "attempt %d", tc.attempt)
					seen[d] = true
				}
				assert.Greater(t, len(seen), 1, "attempt %d: no jitter", tc.attempt)
			})
		}
	}
}
