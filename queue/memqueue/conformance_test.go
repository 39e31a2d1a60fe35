package memqueue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	notify "github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/queue/queuetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T) notify.Queue {
		q := memqueue.New(memqueue.Options{
			Backoff:     func(int) time.Duration { return 10 * time.Millisecond },
			MaxAttempts: 5,
		})
		t.Cleanup(func() { assert.NoError(t, q.Close()) })
		return q
	})
}
