package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/notifykit/notify/cache/rediscache"
	"github.com/notifykit/notify/queue/redisqueue"
)

// redisQueue is the queue and cache of a process started with -redis, on
// one client.
type redisQueue struct {
	client *redis.Client
	queue  *redisqueue.Queue
	cache  *rediscache.Cache
}

// redisOptions parses -redis: host:port, or a redis:// or rediss:// URL.
func redisOptions(addr string) (*redis.Options, error) {
	var ro *redis.Options
	if strings.Contains(addr, "://") {
		var err error
		ro, err = redis.ParseURL(addr)
		if err != nil {
			return nil, fmt.Errorf("-redis: %w", err)
		}
	} else {
		ro = &redis.Options{Addr: addr}
	}
	// Fail fast while Redis is away: every caller has a fallback (the
	// Store for the daily count, the sweeper for the queue), so a request
	// must not wait on Redis.
	ro.DialTimeout = 2 * time.Second
	ro.ReadTimeout = 3 * time.Second
	ro.WriteTimeout = 3 * time.Second
	ro.MaxRetries = 1
	// Each consumed queue holds a connection in a blocking read.
	ro.PoolSize = max(ro.PoolSize, 64)
	return ro, nil
}

// openRedis connects to the Redis of -redis. A Redis that does not answer
// yet is not an error: the process starts, warns, and uses Redis once it
// is back (notifications accepted meanwhile are queued by the sweeper).
func openRedis(ctx context.Context, o *options, log *slog.Logger) (*redisQueue, error) {
	ro, err := redisOptions(o.redis)
	if err != nil {
		return nil, err
	}
	client := redis.NewClient(ro)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		log.Warn("Redis does not answer yet; carrying on (the sweeper queues what could not be queued)",
			slog.String("redis", ro.Addr), slog.Any("error", err))
	}
	q := redisqueue.New(client, redisqueue.Options{
		Prefix:            o.redisPrefix + "queue:",
		VisibilityTimeout: o.visibilityTimeout,
		MaxAttempts:       o.maxAttempts,
		Workers:           o.workers,
		Gather:            o.gather,
		Backoff:           o.test.backoff(),
		Logger:            log,
	})
	return &redisQueue{client: client, queue: q, cache: rediscache.New(client, rediscache.Options{Prefix: o.redisPrefix + "cache:"})}, nil
}

// close closes the client; the queue must be closed (and its consumers
// stopped) first.
func (r *redisQueue) close(log *slog.Logger) {
	if err := r.client.Close(); err != nil {
		log.Warn("closing the Redis client", slog.Any("error", err))
	}
}
