// Package backoff holds the retry delays shared by the queue adapters, so
// that a task waits the same whichever queue carries it.
package backoff

import (
	"math/rand/v2"
	"time"
)

const (
	// Base is the first retry delay of Default.
	Base = time.Second
	// Max caps the delays of Default.
	Max = 5 * time.Minute
)

// Default doubles the delay from Base at each attempt, caps it at Max, and
// spreads it by ±10% so that retries do not come in waves. attempt is the
// number of the delivery that failed (1 after the first failure; lower
// values count as 1).
func Default(attempt int) time.Duration {
	attempt = max(attempt, 1)
	d := Max
	if attempt <= 20 {
		d = min(Base<<(attempt-1), Max)
	}
	jitter := time.Duration(rand.Int64N(int64(d/5)+1)) - d/10
	return min(d+jitter, Max)
}
