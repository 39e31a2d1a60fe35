package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

const (
	teamPhone  = "07700 900123"
	teamEmail  = "team@example.gov.uk"
	guestPhone = "07700 900456"
	stranger   = "07700 900789"
	trialMsg   = "Can’t send to this recipient when service is in trial mode – see https://www.notifications.service.gov.uk/trial-mode"
	teamMsg    = "Can’t send to this recipient using a team-only API key"
	notFound   = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."
)

var ctx = context.Background()

// recordingQueue keeps the tasks it is given; tests deliver them by hand.
type recordingQueue struct {
	mu    sync.Mutex
	tasks []notify.Task
	// queues holds the queue name of each task given.
	queues []string
}

func (q *recordingQueue) Enqueue(_ context.Context, queue string, t notify.Task) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, t)
	q.queues = append(q.queues, queue)
	return nil
}

func (q *recordingQueue) Consume(ctx context.Context, _ string, _ notify.Handler) error {
	<-ctx.Done()
	return nil
}

// hookStore lets a test break one Store method.
type hookStore struct {
	notify.Store
	ping       func(context.Context) error
	getService func(context.Context, uuid.UUID) (*notify.Service, error)
}

func (s *hookStore) Ping(ctx context.Context) error {
	if s.ping != nil {
		return s.ping(ctx)
	}
	return s.Store.Ping(ctx)
}

func (s *hookStore) GetService(ctx context.Context, id uuid.UUID) (*notify.Service, error) {
	if s.getService != nil {
		return s.getService(ctx, id)
	}
	return s.Store.GetService(ctx, id)
}

// stats records metric names.
type stats struct {
	mu     sync.Mutex
	counts map[string]int
}

func (s *stats) Incr(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[name]++
}

func (s *stats) Timing(string, time.Duration) {}

func (s *stats) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[name]
}

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// env is a Notifier on a memory store behind the API handler, with a trial
// service, its team, a guest, one key of each type and two templates.
type env struct {
	n       *notify.Notifier
	store   *hookStore
	queue   *recordingQueue
	handler http.Handler
	stats   *stats
	logs    *syncBuffer
	svc     *notify.Service
	keys    map[notify.KeyType]*notify.APIKey
	sms     *notify.Template
	email   *notify.Template
}

func newEnv(t *testing.T, svc notify.Service) *env {
	t.Helper()
	e := &env{store: &hookStore{Store: memstore.New()}, queue: &recordingQueue{},
		stats: &stats{counts: map[string]int{}}, logs: &syncBuffer{}, keys: map[notify.KeyType]*notify.APIKey{}}
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	n, err := notify.New(notify.Config{Store: e.store, Queue: e.queue, SecretKey: []byte("httpapi tests: a 32-byte secret key"), Logger: logger})
	require.NoError(t, err)
	e.n = n
	e.handler = httpapi.New(n, httpapi.Options{Logger: logger, Stats: e.stats})
	if svc.Name == "" {
		svc.Name = "Test Service"
	}
	e.svc, err = n.CreateService(ctx, svc)
	require.NoError(t, err)
	require.NoError(t, n.AddTeamMember(ctx, notify.TeamMember{ServiceID: e.svc.ID, EmailAddress: teamEmail, MobileNumber: teamPhone}))
	require.NoError(t, n.AddGuestListEntry(ctx, notify.GuestListEntry{ServiceID: e.svc.ID, Recipient: guestPhone}))
	for _, kt := range []notify.KeyType{notify.KeyTypeLive, notify.KeyTypeTeam, notify.KeyTypeSimulate} {
		k, err := n.CreateAPIKey(ctx, e.svc.ID, "key-"+string(kt), kt)
		require.NoError(t, err)
		e.keys[kt] = k
	}
	e.sms, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.SMS, Name: "Code",
		Content: "Hello ((name)), your code is ((code))", CreatedBy: teamEmail})
	require.NoError(t, err)
	e.email, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Welcome",
		Subject: "Hi ((name))", Content: "Hello ((name))\nThis is an email from GOV.UK", CreatedBy: teamEmail})
	require.NoError(t, err)
	return e
}

// token signs a fresh token for key k.
func (e *env) token(t *testing.T, k *notify.APIKey) string {
	t.Helper()
	tok, err := notify.NewToken(k.ServiceID, k.Secret, time.Now())
	require.NoError(t, err)
	return tok
}

// signed signs arbitrary claims with HS256 and secret.
func signed(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, secret string) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	require.NoError(t, err)
	return tok
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with "Authorization: Bearer <token of k>" when k is
// not nil.
func (e *env) do(t *testing.T, method, path string, body any, k *notify.APIKey) response {
	t.Helper()
	auth := ""
	if k != nil {
		auth = "Bearer " + e.token(t, k)
	}
	return e.doAuth(t, method, path, body, auth)
}

func (e *env) doAuth(t *testing.T, method, path string, body any, auth string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, "http://api.test"+path, rd)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if len(res.raw) > 0 {
		require.NoError(t, json.Unmarshal(res.raw, &res.body), "body: %s", res.raw)
	}
	return res
}

// v2err is the v2 error body with one error.
func v2err(status int, name, msg string) map[string]any {
	return map[string]any{"status_code": float64(status), "errors": []any{map[string]any{"error": name, "message": msg}}}
}

// v1err is the v1 error body.
func v1err(msg any) map[string]any { return map[string]any{"result": "error", "message": msg} }

// deliverAll runs every queued delivery task.
func (e *env) deliverAll(t *testing.T) {
	t.Helper()
	e.queue.mu.Lock()
	tasks := e.queue.tasks
	e.queue.tasks = nil
	e.queue.mu.Unlock()
	for _, task := range tasks {
		task.Attempt = 1
		require.NoError(t, e.n.Handle(ctx, task))
	}
	// Sandbox receipts are queued by delivery; apply them too.
	e.queue.mu.Lock()
	more := e.queue.tasks
	e.queue.tasks = nil
	e.queue.mu.Unlock()
	for _, task := range more {
		task.Attempt = 1
		require.NoError(t, e.n.Handle(ctx, task))
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
