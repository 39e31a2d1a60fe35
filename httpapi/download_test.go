package httpapi_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/store/memstore"
)

// fileEnv is an API whose service may send files by email, served at
// https://notify.example.
func fileEnv(t *testing.T, name, contact string) *env {
	t.Helper()
	e := &env{store: &hookStore{Store: memstore.New()}, queue: &recordingQueue{},
		stats: &stats{counts: map[string]int{}}, logs: &syncBuffer{}, keys: map[notify.KeyType]*notify.APIKey{}}
	logger := slog.New(slog.NewJSONHandler(e.logs, nil))
	n, err := notify.New(notify.Config{Store: e.store, Queue: e.queue, SecretKey: []byte("httpapi tests: a 32-byte secret key"),
		Logger: logger, DocumentBaseURL: "https://notify.example"})
	require.NoError(t, err)
	e.n = n
	e.handler = httpapi.New(n, httpapi.Options{Logger: logger, Stats: e.stats, BaseURL: "https://notify.example"})
	e.svc, err = n.CreateService(ctx, notify.Service{Name: name, Restricted: false, ContactLink: contact})
	require.NoError(t, err)
	k, err := n.CreateAPIKey(ctx, e.svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	e.keys[notify.KeyTypeLive] = k
	e.email, err = n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "File",
		Subject: "Your file", Content: "Download it: ((doc))"})
	require.NoError(t, err)
	return e
}

// sendFile sends a file to someone@example.gov.uk and returns the link.
func (e *env) sendFile(t *testing.T, doc map[string]any) (string, string) {
	t.Helper()
	r := e.do(t, "POST", "/v2/notifications/email", map[string]any{"email_address": "Someone@Example.gov.uk",
		"template_id": e.email.ID, "personalisation": map[string]any{"doc": doc}}, e.keys[notify.KeyTypeLive])
	require.Equal(t, 201, r.status, string(r.raw))
	body := r.body["content"].(map[string]any)["body"].(string)
	link := strings.TrimPrefix(body, "Download it: ")
	require.True(t, strings.HasPrefix(link, "https://notify.example/d/"), body)
	return link, r.body["id"].(string)
}

func (e *env) get(t *testing.T, link string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, httptest.NewRequest("GET", link, nil))
	return rec
}

func (e *env) confirm(t *testing.T, link, addr string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", link, strings.NewReader(url.Values{"email_address": {addr}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

func TestDownloadAfterConfirmingTheEmailAddress(t *testing.T) {
	e := fileEnv(t, `Tom & Jerry's <script>alert(1)</script>`, `https://example.gov.uk/contact?a=1&b="2"`)
	content := "name,amount\nJo,3\n"
	link, id := e.sendFile(t, map[string]any{"file": base64.StdEncoding.EncodeToString([]byte(content)), "filename": "report.csv"})

	// What the API shows of the notification is the link, never the file.
	r := e.do(t, "GET", "/v2/notifications/"+id, nil, e.keys[notify.KeyTypeLive])
	require.Equal(t, 200, r.status)
	assert.Contains(t, string(r.raw), link)
	assert.NotContains(t, string(r.raw), base64.StdEncoding.EncodeToString([]byte(content)))
	assert.NotContains(t, e.logs.String(), "key=", "the key reached a log")

	page := e.get(t, link)
	require.Equal(t, 200, page.Code)
	assert.Equal(t, "text/html; charset=utf-8", page.Header().Get("Content-Type"))
	html := page.Body.String()
	assert.Contains(t, html, "Confirm your email address")
	assert.NotContains(t, html, "<script>alert(1)</script>", "the service name reached the page unescaped")
	assert.Contains(t, html, "Tom &amp; Jerry&#39;s &lt;script&gt;")
	assert.Contains(t, html, `href="https://example.gov.uk/contact?a=1&amp;b=%222%22"`)
	assert.NotContains(t, html, content)

	wrong := e.confirm(t, link, `<b>someone.else</b>@example.gov.uk`)
	assert.Equal(t, 400, wrong.Code)
	assert.Contains(t, wrong.Body.String(), "This is not the email address the file was sent to.")
	assert.Contains(t, wrong.Body.String(), "&lt;b&gt;someone.else&lt;/b&gt;@example.gov.uk")
	assert.NotContains(t, wrong.Body.String(), content)

	empty := e.confirm(t, link, " ")
	assert.Equal(t, 400, empty.Code)

	ok := e.confirm(t, link, " someone@example.GOV.uk ")
	require.Equal(t, 200, ok.Code, ok.Body.String())
	assert.Equal(t, content, ok.Body.String())
	assert.Equal(t, "text/csv", ok.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", ok.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, `attachment; filename=report.csv`, ok.Header().Get("Content-Disposition"))
	assert.Contains(t, ok.Header().Get("Content-Security-Policy"), "sandbox")
	assert.Contains(t, ok.Header().Get("Cache-Control"), "no-store")
}

func TestDownloadWithoutConfirmationAndAnAwkwardFilename(t *testing.T) {
	e := fileEnv(t, "Service", "help@example.gov.uk")
	link, _ := e.sendFile(t, map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 x")),
		"filename": "../ré\"port\r\nX-Evil: 1;.pdf", "confirm_email_before_download": false})
	rec := e.get(t, link)
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, "application/pdf", rec.Header().Get("Content-Type"))
	assert.Empty(t, rec.Header().Get("X-Evil"))
	cd := rec.Header().Get("Content-Disposition")
	assert.NotContains(t, cd, "\r")
	assert.NotContains(t, cd, "\n")
	kind, params, err := mime.ParseMediaType(cd)
	require.NoError(t, err)
	assert.Equal(t, "attachment", kind)
	assert.Equal(t, "_ré_port__X-Evil: 1_.pdf", params["filename"], "separators, quotes and controls are replaced")
	assert.Equal(t, "%PDF-1.4 x", rec.Body.String())
}

func TestDownloadNotFoundSaysNotWhy(t *testing.T) {
	e := fileEnv(t, "Service", "help@example.gov.uk")
	link, _ := e.sendFile(t, map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("hello")),
		"confirm_email_before_download": false})
	u, err := url.Parse(link)
	require.NoError(t, err)
	parts := strings.Split(u.Path, "/")
	key := u.Query().Get("key")
	otherKey := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	bad := map[string]string{
		"wrong key":        u.Path + "?key=" + otherKey,
		"no key":           u.Path,
		"garbled key":      u.Path + "?key=%21%21",
		"unknown document": "/d/" + parts[2] + "/AAAAAAAAAAAAAAAAAAAAAA?key=" + key,
		"bad id":           "/d/" + parts[2] + "/nope?key=" + key,
	}
	var first string
	for name, path := range bad {
		rec := e.get(t, path)
		assert.Equal(t, http.StatusNotFound, rec.Code, name)
		body, _ := io.ReadAll(rec.Body)
		if first == "" {
			first = string(body)
		}
		assert.Equal(t, first, string(body), "%s: every not-found page is the same", name)
		assert.NotContains(t, string(body), "hello")
	}
	// The hex form of the ids works too.
	sid, _ := notify.ParseDocumentID(parts[2])
	did, _ := notify.ParseDocumentID(parts[3])
	rec := e.get(t, "/d/"+sid.String()+"/"+did.String()+"?key="+key)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "hello", rec.Body.String())
}

func TestDownloadFormBodyIsBounded(t *testing.T) {
	e := fileEnv(t, "Service", "help@example.gov.uk")
	link, _ := e.sendFile(t, map[string]any{"file": base64.StdEncoding.EncodeToString([]byte("hello"))})
	rec := e.confirm(t, link, strings.Repeat("a", 10<<10)+"@example.gov.uk")
	assert.Equal(t, 400, rec.Code)
	assert.NotContains(t, rec.Body.String(), "hello")
}

func TestSendingAFileBySMSIsRefused(t *testing.T) {
	e := fileEnv(t, "Service", "help@example.gov.uk")
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.SMS, Name: "SMS", Content: "Doc: ((doc))"})
	require.NoError(t, err)
	r := e.do(t, "POST", "/v2/notifications/sms", map[string]any{"phone_number": "07700900100", "template_id": tpl.ID,
		"personalisation": map[string]any{"doc": map[string]any{"file": "abababab"}}}, e.keys[notify.KeyTypeLive])
	assert.Equal(t, 400, r.status)
	assert.JSONEq(t, `{"status_code": 400, "errors": [{"error": "BadRequestError", "message": "Can only send a file by email"}]}`, string(r.raw))
}
