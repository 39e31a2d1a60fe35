package main

import (
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMetricsStayFlatUnderJunkRequests sends a thousand unauthenticated
// requests with random, long methods and paths: neither GET /metrics nor
// the heap may grow with them, since every label comes from a fixed set.
func TestMetricsStayFlatUnderJunkRequests(t *testing.T) {
	addr := startServer(t, "-db", filepath.Join(t.TempDir(), "flood.db"))
	base := "http://" + addr
	client := &http.Client{}
	rnd := rand.New(rand.NewPCG(1, 2))
	junk := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('A' + rnd.IntN(26)))
		}
		return b.String()
	}
	send := func(count int) {
		for range count {
			req, err := http.NewRequest(junk(8<<10), base+"/"+junk(8<<10), nil)
			require.NoError(t, err)
			res, err := client.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			require.Equal(t, http.StatusNotImplemented, res.StatusCode)
		}
	}
	metricsSize := func() int {
		res, err := client.Get(base + "/metrics")
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return len(b)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}

	send(20) // every series the junk can create exists from here on
	size0, heap0 := metricsSize(), heap()
	send(1000)
	size1, heap1 := metricsSize(), heap()

	assert.InDelta(t, size0, size1, 2048, "GET /metrics grew from %d to %d bytes", size0, size1)
	assert.Less(t, int64(heap1)-int64(heap0), int64(8<<20), "the heap grew from %d to %d bytes", heap0, heap1)
}
