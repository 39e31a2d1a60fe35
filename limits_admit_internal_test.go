package notify

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

// TestThrottledCallersAreBounded: the callers remembered never pass
// throttledMax; expired ones make room.
func TestThrottledCallersAreBounded(t *testing.T) {
	var tc throttledCallers
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	caller := func() *Caller {
		return &Caller{Service: &Service{ID: uuid.New()}, Key: &APIKey{KeyType: KeyTypeLive}}
	}
	first := caller()
	tc.mark(first, now)
	for range throttledMax - 1 {
		tc.mark(caller(), now)
	}
	assert.Len(t, tc.until, throttledMax)
	late := caller()
	tc.mark(late, now)
	assert.False(t, tc.has(late, now), "full: nobody new is remembered")
	assert.True(t, tc.has(first, now))
	tc.mark(first, now.Add(time.Millisecond)) // a caller already there is remembered again
	assert.True(t, tc.has(first, now.Add(throttledFor)))
	assert.False(t, tc.has(first, now.Add(throttledFor+time.Millisecond)))

	later := now.Add(throttledFor)
	tc.mark(late, later)
	assert.True(t, tc.has(late, later), "the expired ones made room")
	assert.LessOrEqual(t, len(tc.until), 2)
}
