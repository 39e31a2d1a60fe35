package httpapi

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfirmLimiterWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	l := newConfirmLimiter(3, time.Hour, 100, func() time.Time { return now })
	doc, other := docKey{uuid.New(), uuid.New()}, docKey{uuid.New(), uuid.New()}

	for i := range 3 {
		blocked, _ := l.blocked(doc)
		require.False(t, blocked, "blocked after %d failures", i)
		l.fail(doc)
		now = now.Add(time.Minute)
	}
	blocked, left := l.blocked(doc)
	assert.True(t, blocked)
	assert.Equal(t, 57*time.Minute, left, "the window began with the first failure")
	blocked, _ = l.blocked(other)
	assert.False(t, blocked, "another document is not blocked")

	now = now.Add(57 * time.Minute)
	blocked, _ = l.blocked(doc)
	assert.False(t, blocked, "the window ended")
	assert.Equal(t, 0, l.len(), "an ended window is forgotten")

	// A new window after the old one ended, without asking blocked first.
	l.fail(doc)
	l.fail(doc)
	now = now.Add(2 * time.Hour)
	l.fail(doc)
	blocked, _ = l.blocked(doc)
	assert.False(t, blocked, "failures of an ended window still counted")

	// The right address clears the count.
	l.fail(doc)
	l.fail(doc)
	l.clear(doc)
	l.fail(doc)
	l.fail(doc)
	blocked, _ = l.blocked(doc)
	assert.False(t, blocked)
}

// TestConfirmLimiterBounded: however many documents are refused, at most
// size are counted, the least recently refused forgotten first.
func TestConfirmLimiterBounded(t *testing.T) {
	t.Parallel()
	now := time.Now()
	l := newConfirmLimiter(2, time.Hour, 50, func() time.Time { return now })
	for range 10000 {
		l.fail(docKey{uuid.New(), uuid.New()})
	}
	assert.Equal(t, 50, l.len())
	assert.Len(t, l.byDoc, 50)
	cold := docKey{uuid.New(), uuid.New()}
	l.fail(cold)
	l.fail(cold)
	blocked, _ := l.blocked(cold)
	assert.True(t, blocked)
	hot := docKey{uuid.New(), uuid.New()}
	l.fail(hot)
	for range 48 {
		l.fail(docKey{uuid.New(), uuid.New()})
	}
	l.fail(hot) // refused again: now the most recent
	l.fail(docKey{uuid.New(), uuid.New()})
	blocked, _ = l.blocked(hot)
	assert.True(t, blocked, "a recently refused document was forgotten")
	blocked, _ = l.blocked(cold)
	assert.False(t, blocked, "the least recently refused is forgotten first")
	assert.Equal(t, 50, l.len())
}
