// Command load is a closed-loop HTTP load generator for the Notify API: N
// clients each send POST /v2/notifications/sms (or /email) one after the
// other, each request with a fresh JWT as the official clients make them,
// for a warm-up that is not counted and then for a measured duration.
//
//	go run ./bench/load -url http://127.0.0.1:6011 -service ID -secret SECRET \
//	    -template ID -to "07700 900123" -c 8 -d 15s -warmup 2s
//
// It prints a readable summary and, as its last line, the same figures as
// space-separated key=value pairs for scripts:
//
//	requests=N ok=N other=N errors=N sends_per_s=F p50_ms=F p95_ms=F p99_ms=F ...
//
// A request counts when it completes inside the measured window; ok is the
// number of 201 answers among them and sends_per_s is ok per second of that
// window. Latency percentiles are over every counted request. Every loop is
// bounded: by the duration, by -max-requests, and by -timeout per request.
// Only loopback addresses are accepted unless -allow-remote is given.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/notifykit/notify"
)

// config is what the flags say.
type config struct {
	url           string
	service       uuid.UUID
	secret        string
	smsTemplate   string
	to            string
	emailTemplate string
	emailTo       string
	channel       string
	personal      map[string]any
	clients       int
	duration      time.Duration
	warmup        time.Duration
	timeout       time.Duration
	maxRequests   int64
	keepAlive     bool
	allowRemote   bool
	label         string
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
		os.Exit(2)
	}
	res := run(context.Background(), cfg)
	res.print(os.Stdout, cfg)
	if res.ok == 0 {
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	c := &config{}
	var service, personal string
	fs.StringVar(&c.url, "url", "http://127.0.0.1:6011", "base URL of the API")
	fs.StringVar(&service, "service", "", "service id (the JWT's iss)")
	fs.StringVar(&c.secret, "secret", "", "API key secret (signs the JWT)")
	fs.StringVar(&c.smsTemplate, "template", "", "SMS template id")
	fs.StringVar(&c.to, "to", "07700 900123", "SMS recipient")
	fs.StringVar(&c.emailTemplate, "email-template", "", "email template id (with -channel email or both)")
	fs.StringVar(&c.emailTo, "email-to", "bench@example.gov.uk", "email recipient")
	fs.StringVar(&c.channel, "channel", "sms", "sms, email, or both (alternating)")
	fs.StringVar(&personal, "personalisation", `{"code":"123456"}`, "personalisation JSON object sent with every request")
	fs.IntVar(&c.clients, "c", 8, "concurrent clients (each waits for its answer before the next request)")
	fs.DurationVar(&c.duration, "d", 15*time.Second, "measured duration")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "warm-up before the measured duration (not counted)")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "timeout of one request")
	fs.Int64Var(&c.maxRequests, "max-requests", 1_000_000, "stop after this many requests in all (warm-up included)")
	fs.BoolVar(&c.keepAlive, "keepalive", true, "reuse connections (false: a new connection per request)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback target")
	fs.StringVar(&c.label, "label", "", "a label repeated in the last line (label=...)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	id, err := uuid.Parse(service)
	if err != nil {
		return nil, fmt.Errorf("-service: %w", err)
	}
	c.service = id
	if c.secret == "" {
		return nil, errors.New("-secret is required")
	}
	switch c.channel {
	case "sms":
		if c.smsTemplate == "" {
			return nil, errors.New("-template is required for sms")
		}
	case "email":
		if c.emailTemplate == "" {
			return nil, errors.New("-email-template is required for email")
		}
	case "both":
		if c.smsTemplate == "" || c.emailTemplate == "" {
			return nil, errors.New("-template and -email-template are required for both")
		}
	default:
		return nil, fmt.Errorf("-channel %q: want sms, email or both", c.channel)
	}
	if err := json.Unmarshal([]byte(personal), &c.personal); err != nil {
		return nil, fmt.Errorf("-personalisation: %w", err)
	}
	if c.clients <= 0 || c.duration <= 0 || c.warmup < 0 || c.timeout <= 0 || c.maxRequests <= 0 {
		return nil, errors.New("-c, -d, -timeout and -max-requests must be positive, -warmup not negative")
	}
	u, err := url.Parse(c.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want http(s)://host:port", c.url)
	}
	if !c.allowRemote && !loopback(u.Hostname()) {
		return nil, fmt.Errorf("-url %q is not a loopback address (use -allow-remote)", c.url)
	}
	c.url = strings.TrimSuffix(c.url, "/")
	return c, nil
}

// loopback reports whether host is localhost or a loopback IP.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one prepared request: its path and body.
type request struct {
	path string
	body []byte
}

func (c *config) requests() ([]request, error) {
	var out []request
	if c.channel == "sms" || c.channel == "both" {
		b, err := json.Marshal(map[string]any{"phone_number": c.to, "template_id": c.smsTemplate, "personalisation": c.personal})
		if err != nil {
			return nil, err
		}
		out = append(out, request{"/v2/notifications/sms", b})
	}
	if c.channel == "email" || c.channel == "both" {
		b, err := json.Marshal(map[string]any{"email_address": c.emailTo, "template_id": c.emailTemplate, "personalisation": c.personal})
		if err != nil {
			return nil, err
		}
		out = append(out, request{"/v2/notifications/email", b})
	}
	return out, nil
}

// maxErrorBodies is how many distinct error answers are kept for the report.
const maxErrorBodies = 5

// result is the outcome of a run.
type result struct {
	start, measureFrom, measureTo, end time.Time

	requests  int64 // counted (completed in the window)
	ok        int64 // counted 201s
	transport int64 // counted requests without an HTTP answer
	warm      int64 // requests completed outside the window (warm-up, tail)
	total     int64 // every request sent
	codes     map[int]int64
	latencies []time.Duration // of counted requests
	errBodies []string        // first distinct non-201 answers or errors
	setupErr  error
}

// shared is what the clients update.
type shared struct {
	mu        sync.Mutex
	codes     map[int]int64
	errBodies []string
}

func (s *shared) noteError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errBodies) < maxErrorBodies && !slices.Contains(s.errBodies, msg) {
		s.errBodies = append(s.errBodies, msg)
	}
}

// clientStats is one client's tally.
type clientStats struct {
	requests, ok, transport, outside int64
	latencies                        []time.Duration
	codes                            map[int]int64
}

func run(ctx context.Context, cfg *config) *result {
	res := &result{codes: map[int]int64{}}
	reqs, err := cfg.requests()
	if err != nil {
		res.setupErr = err
		return res
	}
	tr := &http.Transport{
		MaxIdleConns:        cfg.clients,
		MaxIdleConnsPerHost: cfg.clients,
		MaxConnsPerHost:     cfg.clients,
		IdleConnTimeout:     30 * time.Second,
		DisableKeepAlives:   !cfg.keepAlive,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: cfg.timeout}

	res.start = time.Now()
	res.measureFrom = res.start.Add(cfg.warmup)
	stopAt := res.measureFrom.Add(cfg.duration)
	// The hard stop: no request outlives the run by more than its timeout.
	ctx, cancel := context.WithDeadline(ctx, stopAt.Add(cfg.timeout))
	defer cancel()

	var sent atomic.Int64
	sh := &shared{codes: map[int]int64{}}
	stats := make([]clientStats, cfg.clients)
	var wg sync.WaitGroup
	for i := range cfg.clients {
		wg.Go(func() {
			st := &stats[i]
			st.codes = map[int]int64{}
			for n := i; ; n++ {
				if time.Now().After(stopAt) || sent.Add(1) > cfg.maxRequests {
					return
				}
				rq := reqs[n%len(reqs)]
				began := time.Now()
				code, body, err := send(ctx, client, cfg, rq)
				done := time.Now()
				if err != nil {
					// No answer (refused, reset, timed out): pause
					// briefly rather than spin on a server that is down.
					time.Sleep(10 * time.Millisecond)
				}
				if done.Before(res.measureFrom) || done.After(stopAt) {
					st.outside++
					continue
				}
				st.requests++
				st.latencies = append(st.latencies, done.Sub(began))
				switch {
				case err != nil:
					st.transport++
					sh.noteError("error: " + err.Error())
				case code == http.StatusCreated:
					st.ok++
					st.codes[code]++
				default:
					st.codes[code]++
					sh.noteError(fmt.Sprintf("%d: %s", code, body))
				}
			}
		})
	}
	wg.Wait()
	res.end = time.Now()
	res.measureTo = stopAt
	if res.end.Before(stopAt) { // stopped by -max-requests
		res.measureTo = res.end
	}
	res.total = min(sent.Load(), cfg.maxRequests)
	for _, st := range stats {
		res.requests += st.requests
		res.ok += st.ok
		res.transport += st.transport
		res.warm += st.outside
		res.latencies = append(res.latencies, st.latencies...)
		for c, k := range st.codes {
			res.codes[c] += k
		}
	}
	res.errBodies = sh.errBodies
	slices.Sort(res.latencies)
	return res
}

// send makes one request with a fresh token and returns the status code and,
// for answers other than 201, the start of the body.
func send(ctx context.Context, client *http.Client, cfg *config, rq request) (int, string, error) {
	tok, err := notify.NewToken(cfg.service, cfg.secret, time.Now())
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.url+rq.path, bytes.NewReader(rq.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "notify-bench-load")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, "", err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

// percentile returns the p-th percentile (0-100) of sorted durations, by
// the nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

// cpuSeconds returns the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// loadAvg returns the first three fields of /proc/loadavg ("" when it
// cannot be read).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], ",")
}

func (r *result) print(w io.Writer, cfg *config) {
	if r.setupErr != nil {
		fmt.Fprintln(w, "load: setup:", r.setupErr)
		fmt.Fprintf(w, "requests=0 ok=0 error=%q\n", r.setupErr.Error())
		return
	}
	window := r.measureTo.Sub(r.measureFrom).Seconds()
	rate := 0.0
	if window > 0 {
		rate = float64(r.ok) / window
	}
	other := r.requests - r.ok - r.transport
	p50, p95, p99 := percentile(r.latencies, 50), percentile(r.latencies, 95), percentile(r.latencies, 99)
	maxLat := time.Duration(0)
	if len(r.latencies) > 0 {
		maxLat = r.latencies[len(r.latencies)-1]
	}
	load := loadAvg()

	fmt.Fprintf(w, "target     %s (%s, %d clients, warm-up %s, measured %.2fs, keep-alive %v)\n",
		cfg.url, cfg.channel, cfg.clients, cfg.warmup, window, cfg.keepAlive)
	fmt.Fprintf(w, "requests   %d counted, %d outside the window (warm-up or tail), %d sent in all\n",
		r.requests, r.warm, r.total)
	fmt.Fprintf(w, "sends/s    %.1f (201 answers per second of the window)\n", rate)
	codes := make([]int, 0, len(r.codes))
	for c := range r.codes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var cs []string
	for _, c := range codes {
		cs = append(cs, fmt.Sprintf("%d:%d", c, r.codes[c]))
	}
	if r.transport > 0 {
		cs = append(cs, fmt.Sprintf("no-answer:%d", r.transport))
	}
	fmt.Fprintf(w, "status     %s\n", strings.Join(cs, " "))
	fmt.Fprintf(w, "latency    p50 %sms  p95 %sms  p99 %sms  max %sms\n", ms(p50), ms(p95), ms(p99), ms(maxLat))
	for _, b := range r.errBodies {
		fmt.Fprintf(w, "first err  %s\n", b)
	}
	cpu := cpuSeconds()
	fmt.Fprintf(w, "loader cpu %.2fs\n", cpu)
	fmt.Fprintf(w, "loadavg    %s (at the end)\n", load)

	codeList := strings.Join(cs, ",")
	if codeList == "" {
		codeList = "none"
	}
	label := ""
	if cfg.label != "" {
		label = "label=" + cfg.label + " "
	}
	fmt.Fprintf(w, "%srequests=%d ok=%d other=%d errors=%d sends_per_s=%.1f p50_ms=%s p95_ms=%s p99_ms=%s max_ms=%s "+
		"codes=%s clients=%d window_s=%.3f sent=%d start_unix_ms=%d end_unix_ms=%d cpu_s=%.2f loadavg=%s\n",
		label, r.requests, r.ok, other, r.transport, rate, ms(p50), ms(p95), ms(p99), ms(maxLat),
		codeList, cfg.clients, window, r.total, r.start.UnixMilli(), r.end.UnixMilli(), cpu, load)
}
