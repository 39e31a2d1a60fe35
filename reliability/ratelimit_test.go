package reliability

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"

	"github.com/notifykit/notify"
)

// scenarioRateLimit: two api processes and a worker share Redis and
// PostgreSQL; 300 concurrent sends through both api processes to a service
// with a rate limit of 60 a minute. Its bucket holds 21 tokens and gains
// one a second, and a request needs one left after its own: at most 20 go
// through at once, plus one per second the burst lasted. The rest are 429
// with upstream's message, and take no daily-limit place.
func scenarioRateLimit(t *testing.T, e *env) {
	s := e.scenario(t, "s6")
	r := s.startRedis()
	api1, api2 := s.twoAPIsAndAWorker(r)

	const total = 300
	apis := []*proc{api1, api2}
	began := time.Now()
	results := s.sendMany(total, total, func(i int) (string, service, string) { return apis[i%2].addr, rate60, teamNumber })
	elapsed := time.Since(began)

	p := notify.RateLimitParams(rate60.RateLimit)
	burst := int(p.Max - 1)
	replenished := int(math.Floor(elapsed.Seconds() * p.ReplenishPerSec))
	codes := tally(results)
	const want = "Exceeded rate limit for key type LIVE of 60 requests per 60 seconds"
	var wrongRefusal int
	for _, res := range results {
		if res.status == http.StatusTooManyRequests && !rateLimitBody(res.body, want) {
			wrongRefusal++
			t.Logf("429 body: %s", res.body)
		}
	}
	counter, cerr := r.dailyCount(rate60, "sms")
	client := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer client.Close()
	bucket, berr := client.HGetAll(context.Background(),
		"notify:cache:"+notify.RateLimitCacheKey(rate60.ID, notify.KeyTypeLive)).Result()
	rec := s.reconcile(accepted(results), 2*time.Minute)
	report("s6", "%d concurrent sends through 2 api processes in %.2fs: answers %v; bound %d at once + %d replenished = %d; "+
		"bucket %v (%v); daily counter %d (%v); %s",
		total, elapsed.Seconds(), codes, burst, replenished, burst+replenished, bucket, berr, counter, cerr, rec)

	ok := codes[http.StatusCreated]
	assert.GreaterOrEqual(t, ok, burst, "a full bucket lets its capacity through")
	assert.LessOrEqual(t, ok, burst+replenished, "never more than the capacity plus what replenished during the burst")
	assert.Equal(t, total-ok, codes[http.StatusTooManyRequests], "the rest refused with 429")
	assert.Zero(t, wrongRefusal, "429 answers carry the v2 RateLimitError with upstream's message")
	assert.NoError(t, berr)
	assert.NoError(t, cerr)
	assert.Equal(t, ok, counter, "a 429 takes no daily-limit place")
	rec.check(t)
	assert.Equal(t, ok, rec.ByStatus["delivered"])
}

// rateLimitBody reports whether a 429 body is exactly the v2
// RateLimitError with message msg.
func rateLimitBody(body []byte, msg string) bool {
	var v struct {
		StatusCode int `json:"status_code"`
		Errors     []struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return false
	}
	return v.StatusCode == http.StatusTooManyRequests && len(v.Errors) == 1 &&
		v.Errors[0].Error == notify.NameRateLimit && v.Errors[0].Message == msg
}
