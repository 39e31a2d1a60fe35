package seed_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/seed"
	"github.com/notifykit/notify/store/memstore"
)

// A seed file gives a Notifier a service whose key and template ids are
// known in advance; applying it again changes nothing.
func Example() {
	f, err := seed.Parse([]byte(`{"services": [{
	  "id": "2ef392a9-d69e-4560-b9b5-27321ec76628", "name": "Passports",
	  "team_members": [{"email_address": "me@example.gov.uk", "mobile_number": "07700 900123"}],
	  "api_keys": [{"id": "4be73d68-8abc-402f-993b-397f27c08df3", "name": "backend", "key_type": "normal",
	                "secret": "578f95c2-7724-4b29-8c1d-bc34219c0062"}],
	  "templates": [{"id": "beb97f53-b4d3-46e4-ba41-506a2a9a18ee", "type": "sms", "name": "Code",
	                 "content": "Your code is ((code))"}]
	}]}`))
	if err != nil {
		panic(err)
	}
	q := memqueue.New(memqueue.Options{})
	defer q.Close()
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: q, Cache: memcache.New(memcache.Options{}),
		SecretKey: []byte("example secret key, at least 32 bytes"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := seed.Apply(ctx, n, f); err != nil {
			panic(err)
		}
	}

	serviceID := uuid.MustParse("2ef392a9-d69e-4560-b9b5-27321ec76628")
	svc, err := n.Store().GetService(ctx, serviceID)
	if err != nil {
		panic(err)
	}
	tpl, err := n.Store().GetTemplate(ctx, serviceID, uuid.MustParse("beb97f53-b4d3-46e4-ba41-506a2a9a18ee"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: trial mode %v, %d text messages and %d emails a day\n", svc.Name, svc.Restricted,
		svc.DailyLimit(notify.DailyLimitSMS), svc.DailyLimit(notify.DailyLimitEmail))
	fmt.Printf("template %q version %d\n", tpl.Name, tpl.Version)

	// The key's secret is the one in the file: callers can be configured
	// before the server starts.
	tok, err := notify.NewToken(serviceID, "578f95c2-7724-4b29-8c1d-bc34219c0062", time.Now())
	if err != nil {
		panic(err)
	}
	caller, err := n.Authenticate(ctx, "Bearer "+tok)
	if err != nil {
		panic(err)
	}
	fmt.Printf("key %q of %s authenticates\n", caller.Key.Name, caller.Service.Name)
	// Output:
	// Passports: trial mode true, 50 text messages and 50 emails a day
	// template "Code" version 1
	// key "backend" of Passports authenticates
}
