// Command notifyd runs the Notify-compatible API: code written for GOV.UK
// Notify, with its official client libraries, works against it unchanged.
//
//	go run ./cmd/notifyd
//
// With no flags it serves on 127.0.0.1:6011, keeps everything in the SQLite
// file notify.db, runs the delivery workers and the sweeper in the same
// process, and "sends" through the sandbox provider, so every notification
// reaches delivered (or a fake failure status) within seconds. On its first
// start with an empty database it creates a demo trial service with an SMS
// and an email template and one API key of each type, and prints them.
//
// Flags:
//
//	-addr ADDR         listen address (127.0.0.1:6011)
//	-db FILE           SQLite database file (notify.db)
//	-postgres DSN      use PostgreSQL instead of SQLite
//	-seed FILE         load services, keys, templates, senders, callbacks and
//	                   inbound numbers from a JSON file (idempotent)
//	-role ROLE         api, worker or all (all); the worker and all roles
//	                   set the garbage collector's target to 400 unless
//	                   GOGC is set (gc.go)
//	-secret-key KEY    seals API key secrets and callbacks at rest, at least
//	                   32 bytes (or NOTIFY_SECRET_KEY); -secret-key-file FILE
//	                   reads it from a file. Without one: a development key
//	                   in {db}.key (mode 0600), or in a PostgreSQL database
//	                   with a warning. A wrong key stops the start.
//	-redis ADDR        share the queue (Redis Streams) and the daily counters
//	                   through Redis (host:port or a redis:// URL); without it
//	                   the queue and cache live in the process
//	-redis-prefix P    prefix of the Redis keys (notify:)
//	-sweep-after D     queue again notifications still created after D (1m)
//	-visibility-timeout D
//	                   delivery lease: a notification or task taken by a
//	                   worker that died is taken over after D (1m)
//	-request-timeout D cap on the work of one API request (30s)
//	-bulk-max-rows N   rows one bulk send may have (100000)
//	-max-attempts N    deliveries tried before technical-failure (10)
//	-workers N         with -redis: handlers per queue in a worker process (4)
//	-batch N           with -redis: delivery tasks one handler takes at once,
//	                   claimed, recorded and acknowledged together (64; 1:
//	                   one at a time)
//	-statsd ADDR       send metrics to a statsd server over UDP (GET /metrics
//	                   always serves them for Prometheus)
//	-smtp HOST:PORT    send email over SMTP instead of the sandbox
//	                   (-smtp-user, password in $NOTIFY_SMTP_PASSWORD,
//	                   -smtp-tls starttls|starttls-required|implicit|none)
//	-receipt-token PROVIDER=TOKEN
//	                   accept delivery receipts from mmg, firetext or ses
//	                   with this bearer token (twilio: its auth token, which
//	                   signs X-Twilio-Signature) (repeatable); also from
//	                   -receipt-token-file FILE or NOTIFY_RECEIPT_TOKENS;
//	                   an unknown provider stops the start
//	-max-conns N       connections served at once (1024)
//	-shutdown-grace D  time given to requests and deliveries in flight on
//	                   SIGINT or SIGTERM (10s); -record-sent-grace D (5s)
//	                   bounds recording a send a provider accepted, below it
//	-allow-insecure-callbacks
//	                   development only: callbacks over http and to
//	                   loopback and private addresses
//	-token KEY         print a bearer token for an API key string and exit
//	-admin-secret S    mount the admin API (upstream's /service routes) for
//	                   JWTs with iss notify-admin signed with S (or
//	                   NOTIFY_ADMIN_SECRET)
//	-retention=false   worker and all roles: do not archive notifications
//	                   past their service's retention (hourly by default,
//	                   -retention-interval)
//	-document-url URL  where recipients reach this server, for the download
//	                   links of files sent by email (http:// and the address listened on)
//	-documents-dir DIR SQLite: where files sent by email are kept, encrypted
//	                   ({-db}.documents); PostgreSQL keeps them in the database
//
// Commands, run on the same database (-db or -postgres, with the same
// -secret-key), set a deployment up without a seed file:
//
//	notifyd service create|list|update|archive ...
//	notifyd key create|list|revoke ...       (key create prints the key once)
//	notifyd template create|update ...
//	notifyd team add|remove ..., notifyd guest-list set ...
//	notifyd sms-sender add|list|set-default|archive ...
//	notifyd reply-to add|list|set-default|archive ...
//	notifyd callback set|list|delete ...     (the bearer token from a file)
//	notifyd inbound-number assign|list ...
//
// notifyd -help lists their flags.
//
// `notifyd rotate-key -old-key-file OLD -new-key-file NEW` re-seals every
// secret in the database under a new key (see secrets.go); stop the
// servers first.
//
// A few more flags exist for the reliability tests only (they make the
// sandbox misbehave on purpose): -help does not list them, and testflags.go
// describes them.
//
// Any number of api and worker processes may share one PostgreSQL database
// and one Redis, and may start at the same moment on an empty database with
// the same -seed: migrations take a lock and seeding tolerates the other
// processes' rows. With -redis, api processes queue each notification on
// Redis and reserve the daily limit there atomically (rediscache's
// IncrBelow), worker processes consume the queues and sweep; without Redis,
// api processes leave notifications to the workers' sweeper.
//
// It stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/cache/memcache"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/queue/redisqueue"
	"github.com/notifykit/notify/seed"
	"github.com/notifykit/notify/stats/instrument"
	"github.com/notifykit/notify/store/gormstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "notifyd:", err)
		}
		stop()
		os.Exit(2)
	}
}

// Roles of a process.
const (
	roleAPI    = "api"
	roleWorker = "worker"
	roleAll    = "all"
)

// options are the command-line flags.
type options struct {
	addr, db, postgres, seed, role, secretKey, redis, redisPrefix, statsd, token string

	sweepAfter, visibilityTimeout, requestTimeout time.Duration
	maxAttempts, workers, batch                   int
	// gather is redisqueue.Options.Gather.
	gather time.Duration
	// bulkMaxRows caps the rows of one bulk send (notify.Config.BulkMaxRows).
	bulkMaxRows int
	// smsRate is the price of one SMS fragment in pounds.
	smsRate float64
	// sweepAfterSet says -sweep-after was given.
	sweepAfterSet bool

	providers providerOptions
	security  securityOptions
	test      testOptions
	admin     adminOptions // cli.go

	documents documentOptions // documents.go
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("notifyd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:6011", "listen address")
	fs.StringVar(&o.db, "db", "notify.db", "SQLite database file (the embedded default)")
	fs.StringVar(&o.postgres, "postgres", "", "PostgreSQL DSN (instead of SQLite)")
	fs.StringVar(&o.seed, "seed", "", "JSON seed file: services, team, guest list, API keys, templates, SMS senders, reply-to addresses, callbacks and inbound numbers (idempotent; no demo service then)")
	fs.StringVar(&o.role, "role", roleAll, "api (HTTP API only), worker (delivery workers and sweeper; serves /_status) or all")
	fs.StringVar(&o.secretKey, "secret-key", "", "key that seals API key secrets and callbacks at rest, at least 32 bytes (default $NOTIFY_SECRET_KEY; none: a development key in {db}.key, or in a PostgreSQL database)")
	fs.StringVar(&o.redis, "redis", "", "Redis for the shared queue, daily counters and rate limits: host:port or redis://[:password@]host:port/db")
	fs.StringVar(&o.statsd, "statsd", "", "statsd address (host:port, UDP) to send metrics to; /metrics serves them for Prometheus either way")
	fs.StringVar(&o.token, "token", "", "print a bearer token for this API key string ({name}-{service_id}-{secret}) and exit")
	fs.StringVar(&o.redisPrefix, "redis-prefix", "notify:", "prefix of every Redis key (queues under {prefix}queue:, counters under {prefix}cache:)")
	fs.DurationVar(&o.sweepAfter, "sweep-after", notify.DefaultSweepAfter, "queue again notifications still created after this long (worker and all roles)")
	fs.DurationVar(&o.visibilityTimeout, "visibility-timeout", notify.DefaultClaimLease,
		"delivery lease and queue visibility timeout: work taken by a worker that died is taken over after this long")
	fs.IntVar(&o.maxAttempts, "max-attempts", notify.DefaultMaxDeliveryAttempts,
		"deliveries tried before a notification becomes technical-failure (and, with -redis, its task a dead letter)")
	fs.IntVar(&o.workers, "workers", redisqueue.DefaultWorkers, "with -redis: handlers each worker process runs per queue")
	fs.DurationVar(&o.gather, "gather", redisqueue.DefaultGather,
		"with -redis: how long delivery tasks gather after a handler call starts before the next read (a task waits up to this much longer; negative: never)")
	fs.IntVar(&o.batch, "batch", notify.DefaultDeliveryBatchSize, "with -redis: delivery tasks one handler takes at once, claimed, recorded and acknowledged together (1: one at a time)")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 30*time.Second, "cap on the work of one API request (0: none)")
	fs.IntVar(&o.bulkMaxRows, "bulk-max-rows", notify.DefaultBulkMaxRows,
		"rows one POST /v2/notifications/bulk may send; a larger table is refused whole (its body is capped at 64 MiB whatever this is)")
	fs.Float64Var(&o.smsRate, "sms-rate", httpapi.DefaultSMSRate,
		"price in pounds of one text message fragment: cost_in_pounds is fragments × the international rate multiplier × this")
	o.providers.register(fs)
	o.security.register(fs)
	o.admin.register(fs)
	o.documents.register(fs)
	testOnly := o.test.register(fs)
	fs.Usage = func() { printUsage(fs, testOnly); fmt.Fprint(fs.Output(), commandsUsage) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "sweep-after" {
			o.sweepAfterSet = true
		}
	})
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch o.role {
	case roleAPI, roleWorker, roleAll:
	default:
		return nil, fmt.Errorf("-role %q: want api, worker or all", o.role)
	}
	if o.sweepAfter <= 0 || o.visibilityTimeout <= 0 || o.requestTimeout < 0 || o.maxAttempts <= 0 || o.workers <= 0 || o.batch <= 0 {
		return nil, errors.New("-sweep-after, -visibility-timeout, -max-attempts, -workers and -batch must be positive, -request-timeout not negative")
	}
	if o.bulkMaxRows <= 0 {
		return nil, errors.New("-bulk-max-rows must be positive")
	}
	if !(o.smsRate > 0) {
		return nil, errors.New("-sms-rate must be a positive number of pounds")
	}
	if err := o.test.check(); err != nil {
		return nil, err
	}
	if err := o.providers.check(getenv); err != nil {
		return nil, err
	}
	if err := o.security.check(o, getenv); err != nil {
		return nil, err
	}
	if err := o.admin.resolve(getenv); err != nil {
		return nil, err
	}
	if err := o.documents.check(); err != nil {
		return nil, err
	}
	return o, nil
}

// run is the whole program; ready, when not nil, receives the address the
// server listens on.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(addr string)) error {
	if len(args) > 0 && args[0] == "rotate-key" {
		return rotateKey(ctx, args[1:], getenv, stdout, stderr)
	}
	if isCommand(args) {
		return runCLI(ctx, args, getenv, stdout, stderr)
	}
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if o.token != "" {
		serviceID, secret, err := notify.ParseKey(o.token)
		if err != nil {
			return err
		}
		tok, err := notify.NewToken(serviceID, secret, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, tok)
		return nil
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	setGCPercent(o.role, getenv, log)

	// Listen first, so that the URLs built from -addr (the demo's, the
	// default -document-url) name the port really taken (-addr :0) and a
	// host a client can reach (-addr :6011).
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }() // on a start that fails below; Serve closes it otherwise
	o.addr = reachable(ln.Addr())

	store, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("closing the store", slog.Any("error", err))
		}
	}()

	stats, metricsHandler, closeStats, err := openStats(o)
	if err != nil {
		return err
	}
	defer closeStats()

	sb, closeSandbox, err := o.test.sandbox()
	if err != nil {
		return err
	}
	defer closeSandbox()
	if o.test.active() {
		log.Warn("test-only sandbox flags are set: the sandbox fails, slows down or logs sends on purpose")
	}

	providers, err := o.providers.providers(log)
	if err != nil {
		return err
	}
	key, err := secretKey(ctx, o, store, log)
	if err != nil {
		return err
	}

	cfg := notify.Config{
		Providers:  providers,
		Stats:      stats,
		Store:      store,
		Logger:     log,
		Sandbox:    sb,
		SecretKey:  key,
		SweepAfter: o.sweepAfter,
		ClaimLease: o.visibilityTimeout,

		MaxDeliveryAttempts:    o.maxAttempts,
		AllowInsecureCallbacks: o.security.allowInsecureCallbacks,
		RecordSentGrace:        o.security.recordSentGrace,
		BulkMaxRows:            o.bulkMaxRows,
	}
	var mq *memqueue.Queue
	var rq *redisQueue
	switch {
	case o.redis != "":
		rq, err = openRedis(ctx, o, log)
		if err != nil {
			return err
		}
		defer rq.close(log)
		cfg.Queue, cfg.Cache = rq.queue, rq.cache
		log.Info("queue and daily counters on Redis", slog.String("role", o.role))
	case o.role == roleAPI:
		// Without a shared queue, an API process persists notifications
		// and leaves them to the workers' sweeper; it counts the daily
		// limit from the database, which every process shares.
		cfg.Queue = sweepOnlyQueue{}
		log.Info("role api: notifications are picked up by worker processes sharing the database")
	case o.role == roleWorker:
		mq = memqueue.New(memqueue.Options{})
		cfg.Queue = mq
		if !o.sweepAfterSet {
			// Notifications come from API processes through the
			// database alone: sweep often.
			cfg.SweepAfter = 2 * time.Second
		}
	default:
		mq = memqueue.New(memqueue.Options{})
		cfg.Queue = mq
		cfg.Cache = memcache.New(memcache.Options{})
	}
	// o.addr is the address really listened on (see above).
	if err := o.documents.configure(&cfg, o, o.addr); err != nil {
		return err
	}
	n, err := notify.New(instrument.Config(cfg, instrument.DefaultPrefix))
	if err != nil {
		return err
	}
	// A wrong secret key stops the start here, not at the first request.
	if err := n.CheckSecretKey(ctx); err != nil {
		return err
	}

	if o.seed != "" {
		sf, err := seed.Read(o.seed)
		if err != nil {
			return err
		}
		if err := seed.Apply(ctx, n, sf); err != nil {
			return err
		}
		if _, err := store.LoadOrStoreSetting(ctx, setupSetting, "seed"); err != nil {
			return err
		}
		log.Info("seed loaded", slog.String("file", o.seed), slog.Int("services", len(sf.Services)))
	} else if o.role != roleWorker {
		if err := demo(ctx, n, stdout, o); err != nil {
			return err
		}
	}

	var api http.Handler
	if o.role == roleWorker {
		api = httpapi.Status(store, httpapi.Options{Logger: log})
	} else {
		api = httpapi.New(n, httpapi.Options{Logger: log, Webhooks: o.providers.webhooks(), AdminSecret: []byte(o.admin.secret), SMSRate: o.smsRate})
	}
	handler := routes(metricsHandler, api)
	if o.requestTimeout > 0 {
		handler = withTimeout(handler, o.requestTimeout)
	}
	srv := newHTTPServer(handler, log)

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var wg sync.WaitGroup
	if o.role != roleAPI {
		wg.Go(func() {
			if err := n.RunWith(workCtx, notify.RunOptions{BatchSize: o.batch}); err != nil {
				log.Error("workers stopped", slog.Any("error", err))
			}
		})
		if !o.admin.retentionOff {
			wg.Go(func() { _ = n.RunRetention(workCtx, o.admin.retentionEvery) })
		}
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(limitListener(ln, o.security.maxConns)) }()
	addr := ln.Addr().String()
	log.Info("listening", slog.String("addr", "http://"+addr), slog.String("role", o.role))
	if ready != nil {
		ready(addr)
	}

	select {
	case <-ctx.Done():
		err = nil
	case err = <-serveErr:
	}
	log.Info("shutting down")
	// Requests and deliveries in flight share the grace: the workers stop
	// taking tasks at once, and a send already accepted by a provider is
	// recorded within -record-sent-grace, below the grace.
	shutCtx, cancel := context.WithTimeout(context.Background(), o.security.shutdownGrace)
	defer cancel()
	stopWork()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = serr
	}
	wg.Wait()
	if mq != nil {
		_ = mq.Close()
	}
	if rq != nil {
		_ = rq.queue.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// withTimeout gives every request a context that ends after d, so that no
// request waits on an unavailable store or queue for long: the work fails
// with the usual 500 error instead.
func withTimeout(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func openStore(ctx context.Context, o *options) (*gormstore.Store, error) {
	if o.postgres != "" {
		return gormstore.OpenPostgres(ctx, o.postgres, gormstore.Options{})
	}
	return gormstore.OpenSQLite(ctx, o.db, gormstore.Options{})
}

// sweepOnlyQueue is the queue of an API process without a shared queue:
// tasks are dropped, and the notifications, already persisted, are queued
// again by the workers' sweeper.
type sweepOnlyQueue struct{}

// Enqueue drops t: the sweeper queues the notification again.
func (sweepOnlyQueue) Enqueue(context.Context, string, notify.Task) error { return nil }

// Consume waits for ctx: an API process runs no workers.
func (sweepOnlyQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}
