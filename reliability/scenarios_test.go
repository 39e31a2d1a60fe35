package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReliability runs the scenarios in order, one at a time (the
// machine may have two cores), and ends with "N passed, M failed".
func TestReliability(t *testing.T) {
	start := time.Now()
	e := setup(t)
	scenarios := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"s1_worker_killed", scenarioWorkerKilled},
		{"s2_redis_down", scenarioRedisDown},
		{"s3_postgres_restart", scenarioPostgresRestart},
		{"s4_flaky_provider", scenarioFlakyProvider},
		{"s5_daily_limit", scenarioDailyLimit},
		{"s6_rate_limit", scenarioRateLimit},
		{"s7_api_killed", scenarioAPIKilled},
		{"s8_bulk_worker_killed", scenarioBulkWorkerKilled},
	}
	passed, failed := 0, 0
	for _, sc := range scenarios {
		began := time.Now()
		ran := false
		ok := t.Run(sc.name, func(t *testing.T) { ran = true; sc.fn(t, e) })
		if !ran {
			continue // filtered out by -run
		}
		verdict := "PASS"
		if ok {
			passed++
		} else {
			failed++
			verdict = "FAIL"
		}
		report(sc.name, "%s in %.1fs", verdict, time.Since(began).Seconds())
	}
	fmt.Printf("reliability: %d passed, %d failed (%.0fs)\n", passed, failed, time.Since(start).Seconds())
}

// Fast failure detection for every scenario: leases and sweeps of a few
// seconds instead of a minute.
func fastRecovery(redisAddr string) []string {
	return []string{"-redis", redisAddr, "-sweep-after", "3s", "-visibility-timeout", "3s"}
}

// scenarioWorkerKilled: 2,000 notifications; kill -9 a worker
// mid-delivery; start a new one. Nothing is lost, and the provider sends
// twice at most what was in flight at the kill.
func scenarioWorkerKilled(t *testing.T, e *env) {
	s := e.scenario(t, "s1")
	r := s.startRedis()
	common := append(fastRecovery(r.addr()), "-sandbox-latency", "30ms", "-workers", "8")
	api := s.server("api", "api", common...)
	w1 := s.server("worker1", "worker", common...)

	const total = 2000
	var results []result
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		results = s.sendMany(total, 16, func(int) (string, service, string) { return api.addr, liveService, otherNumber })
	}()

	// Mid-delivery: once a quarter has left the queue.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		m, err := s.statusCounts()
		if err == nil && sum(m)-m["created"] >= total/4 {
			break
		}
		require.True(t, time.Now().Before(deadline), "deliveries did not start: %v", m)
		time.Sleep(20 * time.Millisecond)
	}
	w1.kill()
	inFlight := s.inFlight()
	before, _ := s.statusCounts()
	report("s1", "kill -9 worker1 with %d notifications in flight (claimed, outcome unknown); statuses then %v", inFlight, before)
	s.server("worker2", "worker", common...)
	<-sent

	codes := tally(results)
	ids := accepted(results)
	rec := s.reconcile(ids, 3*time.Minute)
	report("s1", "answers %v; %s", codes, rec)
	assert.Equal(t, total, codes[http.StatusCreated], "every send accepted")
	rec.check(t)
	assert.Equal(t, total, rec.ByStatus["delivered"], "every notification delivered")
	assert.LessOrEqual(t, rec.DupExtra, inFlight, "duplicate sends must not exceed what was in flight at the kill")
	assert.Equal(t, total, rec.Sent, "every notification reached the provider")
}

// scenarioRedisDown: Redis crashes during a stream of sends. Sends keep
// succeeding with the daily limit counted from PostgreSQL; what could not
// be queued stays created; when Redis returns (empty) the sweeper queues it
// and everything is delivered.
func scenarioRedisDown(t *testing.T, e *env) {
	s := e.scenario(t, "s2")
	r := s.startRedis()
	common := fastRecovery(r.addr())
	api := s.server("api", "api", common...)
	s.server("worker", "worker", common...)
	live := func(int) (string, service, string) { return api.addr, liveService, otherNumber }

	before := s.sendMany(150, 8, live)
	r.crash()
	report("s2", "redis-server killed after %d sends", len(before))

	outageStart := time.Now()
	during := s.sendMany(150, 8, live)
	// The daily limit still holds, counted from PostgreSQL: a trial
	// service with a limit of 10 gets 10 of 15 sequential sends.
	var limited []result
	for i := range 15 {
		limited = append(limited, s.send(context.Background(), api.addr, trial10, teamNumber, i))
	}
	var slowest time.Duration
	for _, r := range append(during, limited...) {
		slowest = max(slowest, r.took)
	}
	// Let the worker's sweeper try (and fail) to queue them.
	time.Sleep(4 * time.Second)
	duringIDs := append(accepted(during), accepted(limited)...)
	var stillCreated int
	require.NoError(t, s.db.Raw("SELECT count(*) FROM notifications WHERE status = 'created' AND id::text IN ?", duringIDs).
		Scan(&stillCreated).Error)
	report("s2", "during the outage (%.1fs): live answers %v, trial-10 answers %v, slowest %v; %d of %d accepted still created (not queued)",
		time.Since(outageStart).Seconds(), tally(during), tally(limited), slowest.Round(time.Millisecond), stillCreated, len(duringIDs))

	r.start() // empty: no persistence
	after := s.sendMany(150, 8, live)
	report("s2", "redis-server back (empty); then answers %v", tally(after))

	all := append(append(append([]result{}, before...), during...), after...)
	all = append(all, limited...)
	rec := s.reconcile(accepted(all), time.Minute)
	report("s2", "%s", rec)

	assert.Equal(t, 450, tally(append(append(append([]result{}, before...), during...), after...))[http.StatusCreated],
		"every live send accepted, Redis or not")
	lt := tally(limited)
	assert.Equal(t, 10, lt[http.StatusCreated], "the daily limit from PostgreSQL: 10 accepted")
	assert.Equal(t, 5, lt[http.StatusTooManyRequests], "then 429")
	assert.Equal(t, len(duringIDs), stillCreated, "what could not be queued stays created until Redis returns")
	rec.check(t)
	assert.Equal(t, rec.Rows, rec.ByStatus["delivered"], "everything delivered once Redis is back")
}

// scenarioPostgresRestart: PostgreSQL restarts during a stream of sends.
// Requests during the outage get 500 or 503 in the v2 error shape within
// the request timeout; afterwards sends succeed; nothing is half-written.
func scenarioPostgresRestart(t *testing.T, e *env) {
	s := e.scenario(t, "s3")
	r := s.startRedis()
	common := append(fastRecovery(r.addr()), "-retry-backoff", "200ms")
	api := s.server("api", "api", common...)
	s.server("worker", "worker", common...)

	var mu sync.Mutex
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res := s.send(context.Background(), api.addr, liveService, otherNumber, w*100000+i)
				mu.Lock()
				results = append(results, res)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	time.Sleep(3 * time.Second)
	downAt := time.Now()
	e.stopPostgres(t)
	report("s3", "PostgreSQL stopped (fast shutdown) after %d sends", len(results))
	time.Sleep(4 * time.Second)
	e.startPostgres(t)
	upAt := time.Now()
	report("s3", "PostgreSQL started again after %.1fs down", upAt.Sub(downAt).Seconds())
	time.Sleep(5 * time.Second)
	close(stop)
	wg.Wait()

	// After the restart, sends succeed.
	final := s.sendMany(100, 8, func(int) (string, service, string) { return api.addr, liveService, otherNumber })

	var slowest time.Duration
	var badShape, transport, unexpected int
	var firstOKAfter time.Duration = -1
	outage := map[int]int{}
	for _, res := range results {
		slowest = max(slowest, res.took)
		switch {
		case res.err != nil:
			transport++
			t.Logf("no answer: %v", res.err)
		case res.status == http.StatusCreated:
			if res.at.After(upAt) && (firstOKAfter < 0 || res.at.Sub(upAt) < firstOKAfter) {
				firstOKAfter = res.at.Sub(upAt)
			}
		case res.status == http.StatusInternalServerError || res.status == http.StatusServiceUnavailable:
			outage[res.status]++
			if !v2ErrorShape(res.body, res.status) {
				badShape++
				t.Logf("not a v2 error body: %s", res.body)
			}
		default:
			unexpected++
			t.Logf("unexpected answer %d: %s", res.status, res.body)
		}
	}
	report("s3", "stream of %d sends: answers %v; outage answers %v (bad shape %d); no answer %d; slowest %v; first 201 %v after the restart",
		len(results), tally(results), outage, badShape, transport, slowest.Round(time.Millisecond), firstOKAfter.Round(time.Millisecond))
	report("s3", "after the restart: answers %v", tally(final))

	all := append(append([]result{}, results...), final...)
	rec := s.reconcile(accepted(all), 2*time.Minute)
	var incomplete int
	require.NoError(t, s.db.Raw(`SELECT count(*) FROM notifications WHERE body = '' OR normalised_recipient = ''
		OR template_version < 1 OR key_type = '' OR notification_type = ''`).Scan(&incomplete).Error)
	report("s3", "%s; incomplete rows %d", rec, incomplete)

	assert.Positive(t, outage[http.StatusInternalServerError]+outage[http.StatusServiceUnavailable], "some requests met the outage")
	assert.Zero(t, badShape, "outage answers are v2 errors")
	assert.Zero(t, transport, "every request was answered")
	assert.Zero(t, unexpected, "only 201, 500 or 503")
	assert.Less(t, slowest, 15*time.Second, "no request hangs past the request timeout")
	assert.Equal(t, len(final), tally(final)[http.StatusCreated], "sends succeed after the restart")
	assert.Zero(t, incomplete, "no half-written notification")
	rec.check(t)
	assert.Equal(t, rec.Rows, rec.ByStatus["delivered"], "every stored notification delivered")
}

// v2ErrorShape reports whether body is {"status_code": status, "errors":
// [{"error": ..., "message": ...}]}.
func v2ErrorShape(body []byte, status int) bool {
	var v struct {
		StatusCode int `json:"status_code"`
		Errors     []struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.StatusCode != status || len(v.Errors) == 0 {
		return false
	}
	for _, e := range v.Errors {
		if e.Error == "" || e.Message == "" {
			return false
		}
	}
	return true
}

// scenarioFlakyProvider: the sandbox fails half its sends retryably and
// every send to one number permanently. Retryable ones are retried until
// delivered; permanent ones end technical-failure.
func scenarioFlakyProvider(t *testing.T, e *env) {
	s := e.scenario(t, "s4")
	r := s.startRedis()
	common := append(fastRecovery(r.addr()), "-sandbox-fail-rate", "0.5", "-sandbox-permanent-fail-suffix", permFailSuffix,
		"-retry-backoff", "100ms", "-max-attempts", "30")
	api := s.server("api", "api", common...)
	worker := s.server("worker", "worker", common...)

	const total, everyPermanent = 300, 6
	results := s.sendMany(total, 8, func(i int) (string, service, string) {
		if i%everyPermanent == 0 {
			return api.addr, liveService, permFailNumber
		}
		return api.addr, liveService, otherNumber
	})
	permanent := total / everyPermanent
	rec := s.reconcile(accepted(results), 3*time.Minute)
	logText, err := os.ReadFile(worker.log)
	require.NoError(t, err)
	retried := strings.Count(string(logText), "provider failed; will retry")
	report("s4", "answers %v; %s; expected delivered=%d technical-failure=%d; retryable provider failures retried: %d",
		tally(results), rec, total-permanent, permanent, retried)

	assert.Equal(t, total, tally(results)[http.StatusCreated])
	rec.check(t)
	assert.Equal(t, total-permanent, rec.ByStatus["delivered"], "retryable failures retried until delivered")
	assert.Equal(t, permanent, rec.ByStatus["technical-failure"], "permanent failures end technical-failure")
	assert.Equal(t, total-permanent, rec.Sent, "the provider accepted each deliverable notification")
}

// scenarioDailyLimit: two api processes and a worker start at the same
// moment on an empty database with the same seed; 200 concurrent text
// messages and 200 concurrent emails through both api processes to a trial
// service whose daily limits are 50 text messages and 30 emails: exactly
// 50 and 30 accepted, the rest refused with the channel's 429. The
// check-and-increment is one Lua script on the shared Redis (rediscache's
// IncrBelow), a counter per channel, so the processes cannot overshoot
// either limit and one channel's sends never take the other's places.
func scenarioDailyLimit(t *testing.T, e *env) {
	s := e.scenario(t, "s5")
	r := s.startRedis()
	api1, api2 := s.twoAPIsAndAWorker(r)

	const total = 200 // per channel
	channels := []struct {
		name, to, refusal string
		limit             int
	}{
		{"sms", teamNumber, "Exceeded send limits (sms: 50) for today", trial50.Limit},
		{"email", teamEmail, "Exceeded send limits (email: 30) for today", trial50.EmailLimit},
	}
	apis := []*proc{api1, api2}
	// Even sends are text messages, odd ones emails; each channel goes
	// through both api processes.
	results := s.sendMany(2*total, 2*total, func(i int) (string, service, string) {
		return apis[(i/2)%2].addr, trial50, channels[i%2].to
	})
	var all []result
	for c, ch := range channels {
		var mine []result
		for i := c; i < len(results); i += 2 {
			mine = append(mine, results[i])
		}
		all = append(all, mine...)
		codes := tally(mine)
		var wrongRefusal int
		for _, res := range mine {
			if res.status == http.StatusTooManyRequests &&
				(!v2ErrorShape(res.body, http.StatusTooManyRequests) || !strings.Contains(string(res.body), ch.refusal)) {
				wrongRefusal++
				t.Logf("429 body: %s", res.body)
			}
		}
		counter, cerr := r.dailyCount(trial50, ch.name)
		report("s5", "%d concurrent %s sends through 2 api processes: answers %v; Redis counter %d (%v)",
			total, ch.name, codes, counter, cerr)

		assert.Equal(t, ch.limit, codes[http.StatusCreated], "%s: exactly the limit accepted; "+
			"an overshoot with the Redis counter at the limit means a cold counter was overwritten by "+
			"a Store count (Cache.Set on a miss) after concurrent reservations", ch.name)
		assert.Equal(t, total-ch.limit, codes[http.StatusTooManyRequests], "%s: the rest refused with 429", ch.name)
		assert.Zero(t, wrongRefusal, "%s: 429 answers carry the v2 TooManyRequestsError of the channel", ch.name)
		assert.NoError(t, cerr)
		assert.Equal(t, ch.limit, counter, ch.name)
	}
	rec := s.reconcile(accepted(all), 2*time.Minute)
	report("s5", "%s", rec)
	rec.check(t)
	assert.Equal(t, trial50.Limit+trial50.EmailLimit, rec.ByStatus["delivered"])
}
