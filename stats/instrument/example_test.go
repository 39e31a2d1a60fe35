package instrument_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/memstore"
)

// printStats prints counters; a real program would use stats/statsd or
// stats/prometheus.
type printStats struct{}

func (printStats) Incr(name string)             { fmt.Println("incr", name) }
func (printStats) Timing(string, time.Duration) {}

func Example() {
	stats := instrument.Prefix(printStats{}, instrument.DefaultPrefix)
	var store notify.Store = instrument.Store(memstore.New(), stats)

	_, err := store.GetService(context.Background(), uuid.New())
	fmt.Println(err != nil)
	// Output:
	// incr notifications.api.dao.get_service
	// true
}

// Config measures every adapter of a Notifier and prefixes every name, as
// cmd/notifyd does.
func ExampleConfig() {
	q := memqueue.New(memqueue.Options{})
	defer q.Close()
	cfg := notify.Config{Store: memstore.New(), Queue: q, Stats: printStats{}, SecretKey: []byte("example only: a 32-byte secret key")}
	n, err := notify.New(instrument.Config(cfg, instrument.DefaultPrefix))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = n.CreateService(context.Background(), notify.Service{Name: "Example"})
	fmt.Println(err)
	// Output:
	// incr notifications.api.dao.create_service
	// <nil>
}
