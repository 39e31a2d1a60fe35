package gormstore_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/gormstore"
)

func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "notify-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Opening migrates the schema; a second process opening the same file
	// shares it.
	store, err := gormstore.OpenSQLite(ctx, filepath.Join(dir, "notify.db"), gormstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close() // after the Notifier's Close: the Store is the caller's
	queue := memqueue.New(memqueue.Options{})
	defer queue.Close()
	n, err := notify.New(notify.Config{Store: store, Queue: queue, SecretKey: []byte("example secret key, at least 32 bytes"),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer n.Close(ctx)

	svc, err := n.CreateService(ctx, notify.Service{Name: "Passports"})
	if err != nil {
		log.Fatal(err)
	}
	got, err := store.GetService(ctx, svc.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Name, got.MessageLimit)
	// Output:
	// Passports 50
}
