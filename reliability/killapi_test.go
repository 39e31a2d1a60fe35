package reliability

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenarioAPIKilled: two api processes and a worker share PostgreSQL and
// Redis; 16 clients send in a closed loop through api1, which group-commits
// them. A third of the way in, api1 is killed with SIGKILL while batches
// are in flight; the rest of the load goes to api2, api1 is started again,
// and a last round goes through it.
//
// Every 201 is stored and delivered. A request in flight at the kill gets
// no answer, and its notification may or may not have been committed: the
// ones that were (committed without a 201) are counted and printed, not
// failed, since the client cannot tell and may retry; they too must reach
// a final status, queued by the sweeper when the kill came between the
// commit and the enqueue. Nothing stays created. No worker dies, so the
// provider sends nothing twice (the bound of scenario 1 with nothing in
// flight at a worker's death).
func scenarioAPIKilled(t *testing.T, e *env) {
	s := e.scenario(t, "s7")
	r := s.startRedis()
	api1, api2 := s.twoAPIsAndAWorker(r)

	// Sends [0, load) go to api1 until the kill, then to api2; sends
	// [load, total) wait for the restarted api1 and go to it.
	const load, restarted, clients = 3000, 600, 16
	const total = load + restarted
	var target atomic.Pointer[string]
	target.Store(&api1.addr)
	targets := make([]string, total) // where the i-th send went
	killNow, back := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var backAddr string
	var results []result
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		results = s.sendMany(total, clients, func(i int) (string, service, string) {
			if i == load/3 {
				once.Do(func() { close(killNow) })
			}
			if i >= load {
				<-back
				targets[i] = backAddr
			} else {
				targets[i] = *target.Load()
			}
			return targets[i], liveService, otherNumber
		})
	}()

	<-killNow
	killAt := time.Now()
	api1.kill()
	target.Store(&api2.addr)
	report("s7", "kill -9 api1 after %d sends began; the rest of the load goes to api2", load/3)
	backAddr = api2.addr // if the restart fails
	func() {
		defer close(back)
		api1b := s.server("api1-restarted", "api", fastRecovery(r.addr())...)
		backAddr = api1b.addr
	}()
	report("s7", "api1 started again %.1fs after the kill", time.Since(killAt).Seconds())
	<-sent

	k := analyseKill(results[:load], targets, api1.addr, killAt)
	rec := s.reconcile(accepted(results), 2*time.Minute)
	acked := make(map[string]bool, rec.Accepted)
	for _, id := range accepted(results) {
		acked[id] = true
	}
	var orphans []storedRow // committed without a 201
	var orphanAnswered int  // ... for a request that did get an answer
	for _, row := range s.rowsByN() {
		if acked[row.ID] {
			continue
		}
		orphans = append(orphans, row)
		if row.N < 0 || row.N >= total || results[row.N].status != 0 || targets[row.N] != api1.addr {
			orphanAnswered++
		}
	}
	sort.Slice(orphans, func(i, j int) bool { return orphans[i].N < orphans[j].N })
	last := results[load:]

	report("s7", "load: answers %v; in flight at the kill %d, of which %d cut off; %d more begun after it, before the switch to api2; "+
		"no answer from another process %d; restarted api1: answers %v",
		tally(results[:load]), k.outstanding, k.cutOff, k.noAnswer-k.cutOff, k.noAnswerElsewhere, tally(last))
	report("s7", "accepted=%d stored=%d committed-without-201=%d final=%d duplicates=%d; queued again by the sweeper %d; %s",
		rec.Accepted, rec.Rows, len(orphans), rec.Final, rec.DupExtra, s.swept("worker"), rec)
	for _, o := range orphans {
		report("s7", "committed without a 201: send %d, notification %s, now %s", o.N, o.ID, o.Status)
	}

	assert.Positive(t, k.outstanding, "requests were in flight at the kill")
	assert.Zero(t, k.unexpected, "every answer of the load is 201")
	assert.Zero(t, k.noAnswerElsewhere, "only requests to the killed api1 go unanswered")
	assert.NotEqual(t, api2.addr, targets[load], "api1 started again")
	assert.Equal(t, restarted, tally(last)[http.StatusCreated], "the restarted api1 accepts every send")
	assert.Zero(t, rec.Missing, "every 201 is stored")
	assert.Equal(t, rec.Accepted+len(orphans), rec.Rows, "stored = accepted + committed without a 201")
	assert.Zero(t, orphanAnswered, "a row without a 201 belongs to a request to api1 that got no answer")
	assert.Equal(t, rec.Rows, rec.Final, "every stored notification reaches a final status")
	assert.Zero(t, rec.ByStatus["created"], "no notification stays created")
	assert.Equal(t, rec.Rows, rec.ByStatus["delivered"], "every stored notification delivered")
	assert.Equal(t, rec.Rows, rec.Sent, "the provider accepted each stored notification")
	assert.Zero(t, rec.DupExtra, "no worker died: nothing is sent twice")
}

// killOutcome is what the load saw of the kill.
type killOutcome struct {
	outstanding       int // requests to the killed process begun before the kill and ended after
	noAnswer          int // requests without an HTTP answer
	cutOff            int // ... begun before the kill (the others began after it)
	noAnswerElsewhere int // ... to another process
	unexpected        int // answers other than 201
}

func analyseKill(results []result, targets []string, killed string, killAt time.Time) killOutcome {
	var k killOutcome
	for i, res := range results {
		if targets[i] == killed && !res.at.After(killAt) && !res.at.Add(res.took).Before(killAt) {
			k.outstanding++
		}
		switch {
		case res.status == 0:
			k.noAnswer++
			if !res.at.After(killAt) {
				k.cutOff++
			}
			if targets[i] != killed {
				k.noAnswerElsewhere++
			}
		case res.status != http.StatusCreated:
			k.unexpected++
		}
	}
	return k
}

// swept sums the counts the sweeper of the named process logged as
// queued again.
func (s *scenario) swept(name string) int {
	s.t.Helper()
	n := 0
	for _, p := range s.procs {
		if p.name != name {
			continue
		}
		b, err := os.ReadFile(p.log)
		require.NoError(s.t, err)
		for _, m := range sweptCount.FindAllSubmatch(b, -1) {
			c, _ := strconv.Atoi(string(m[1]))
			n += c
		}
	}
	return n
}

var sweptCount = regexp.MustCompile(`msg="sweep: queued notifications again" count=(\d+)`)

// storedRow is a stored notification with the send number (the n of its
// personalisation) that created it.
type storedRow struct {
	ID     string
	N      int
	Status string
}

// rowsByN returns every stored notification with its send number.
func (s *scenario) rowsByN() []storedRow {
	s.t.Helper()
	var rows []struct {
		ID, Personalisation, Status string
	}
	require.NoError(s.t, s.db.Raw("SELECT id::text AS id, personalisation, status FROM notifications").Scan(&rows).Error)
	out := make([]storedRow, 0, len(rows))
	for _, r := range rows {
		var p struct {
			N string `json:"n"`
		}
		require.NoError(s.t, json.Unmarshal([]byte(r.Personalisation), &p), r.Personalisation)
		n, err := strconv.Atoi(p.N)
		require.NoError(s.t, err, r.Personalisation)
		out = append(out, storedRow{ID: r.ID, N: n, Status: r.Status})
	}
	return out
}
