package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

// probedStore counts the probes of GET /_status and can refuse writes.
type probedStore struct {
	notify.Store
	pings, writes atomic.Int32
	readOnly      atomic.Bool
}

func (s *probedStore) Ping(ctx context.Context) error {
	s.pings.Add(1)
	return s.Store.Ping(ctx)
}

func (s *probedStore) LoadOrStoreSetting(ctx context.Context, name, value string) (string, error) {
	s.writes.Add(1)
	if s.readOnly.Load() {
		return "", errors.New("attempt to write a readonly database")
	}
	return s.Store.LoadOrStoreSetting(ctx, name, value)
}

func status(h http.Handler) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_status", nil))
	return rec.Code
}

// TestStatusNeedsAWritableStore: a store that answers but cannot write is
// not ok.
func TestStatusNeedsAWritableStore(t *testing.T) {
	t.Parallel()
	st := &probedStore{Store: memstore.New()}
	h := httpapi.Status(st, httpapi.Options{})
	assert.Equal(t, http.StatusOK, status(h))
	assert.EqualValues(t, 1, st.writes.Load(), "the probe writes")

	st.readOnly.Store(true)
	require.Eventually(t, func() bool { return status(h) == http.StatusServiceUnavailable }, 5*time.Second, 50*time.Millisecond)
	st.readOnly.Store(false)
	require.Eventually(t, func() bool { return status(h) == http.StatusOK }, 5*time.Second, 50*time.Millisecond)
}

// TestStatusProbesAtMostOnceASecond: however many callers ask, the store
// is probed about once a second.
func TestStatusProbesAtMostOnceASecond(t *testing.T) {
	t.Parallel()
	st := &probedStore{Store: memstore.New()}
	h := httpapi.Status(st, httpapi.Options{})
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				assert.Equal(t, http.StatusOK, status(h))
			}
		})
	}
	wg.Wait()
	probes := int(st.pings.Load())
	assert.LessOrEqual(t, probes, int(time.Since(start)/time.Second)+1, "800 requests, %d probes", probes)
	assert.Equal(t, probes, int(st.writes.Load()))
}
