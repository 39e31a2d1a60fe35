package instrument_test

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
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
