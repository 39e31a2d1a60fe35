package instrument_test

import (
	"net"
	"testing"

	"github.com/google/uuid"
	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/stats/prometheus"
	"github.com/notifykit/notify/stats/statsd"
	"github.com/notifykit/notify/store/memstore"
)

// BenchmarkInstrumentedStore compares GetService on a bare memstore with the
// same call through the instrumented wrapper, with a no-op Stats, the
// StatsD client (sending to a local UDP socket) and the Prometheus Stats.
func BenchmarkInstrumentedStore(b *testing.B) {
	ln, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(b, err)
	b.Cleanup(func() { _ = ln.Close() })
	sd, err := statsd.New(ln.LocalAddr().String(), statsd.Options{Prefix: instrument.DefaultPrefix})
	require.NoError(b, err)
	b.Cleanup(func() { _ = sd.Close() })
	ps, err := prometheus.New(prom.NewRegistry(), prometheus.Options{})
	require.NoError(b, err)

	base := memstore.New()
	svc := &notify.Service{ID: uuid.New(), Name: "bench"}
	require.NoError(b, base.CreateService(b.Context(), svc))

	for _, bc := range []struct {
		name  string
		store notify.Store
	}{
		{"bare", base},
		{"discard", instrument.Store(base, notify.DiscardStats{})},
		{"statsd", instrument.Store(base, sd)},
		{"prometheus", instrument.Store(base, ps)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.store.GetService(ctx, svc.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
