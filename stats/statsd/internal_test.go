package statsd

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFullQueueDrops(t *testing.T) {
	t.Parallel()
	conn, err := net.Dial("udp", "127.0.0.1:9")
	require.NoError(t, err)
	// The sender is not running yet, so the queue fills up.
	c := newClient(conn, Options{QueueSize: 2})
	for range 5 {
		c.Incr("x")
	}
	assert.Equal(t, uint64(3), c.Dropped(), "a full queue drops and counts, never blocks")
	go c.run()
	require.NoError(t, c.Close())
	assert.Equal(t, uint64(3), c.Dropped())
}
