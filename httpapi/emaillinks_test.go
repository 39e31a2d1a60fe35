package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/httpapi"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/memstore"
)

// hostileMarkdown links try to break out of the href or title attribute,
// or to link a scheme that runs code; ((link)) is filled with another.
const hostileMarkdown = `[click](https://a.example/"onmouseover="alert(1)"x=")

[click](https://a.example/"onmouseover="location=name"x=")

[click](https://a.example/'onmouseover='location=name'x=')

[click](https://a.example/ 'x"onmouseover="location=name')

[click](javascript:alert%281%29) [click](JaVaScRiPt:alert%281%29) [click](&#106;avascript:x)

[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [click](vbscript:x) [click](//evil.example)

((link))`

var hostileValues = map[string]any{"link": "[here](JavaScript:alert%281%29)"}

// assertSafeHTML fails when an element of out has an attribute other than
// the renderer's (style, role, class, href, title) or an href that is not
// http, https or mailto.
func assertSafeHTML(t *testing.T, out string) {
	t.Helper()
	require.NotEmpty(t, out)
	z := html.NewTokenizer(strings.NewReader(out))
	links := 0
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		for _, a := range tok.Attr {
			switch a.Key {
			case "style", "role", "class", "title":
			case "href":
				links++
				href := strings.ToLower(a.Val)
				assert.True(t, strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") ||
					strings.HasPrefix(href, "mailto:"), "href %q in %s", a.Val, out)
			default:
				assert.Fail(t, "attribute injected", "%s=%q in %s", a.Key, a.Val, out)
			}
		}
	}
	assert.Equal(t, 4, links, "the https links stay links: %s", out)
	assert.Contains(t, out, `>here<`, "a refused link keeps its text")
}

func TestPreviewHTMLHasNoHostileLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, notify.Service{})
	tpl, err := e.n.CreateTemplate(ctx, notify.Template{ServiceID: e.svc.ID, Type: notify.Email, Name: "Links",
		Subject: "Links", Content: hostileMarkdown})
	require.NoError(t, err)
	res := e.do(t, http.MethodPost, "/v2/template/"+tpl.ID.String()+"/preview",
		map[string]any{"personalisation": hostileValues}, e.keys[notify.KeyTypeLive])
	require.Equal(t, http.StatusOK, res.status, "%s", res.raw)
	out, _ := res.body["html"].(string)
	assertSafeHTML(t, out)
}

// emailCatcher is an email provider that keeps what it is given.
type emailCatcher struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (c *emailCatcher) Name() string                  { return "catcher" }
func (c *emailCatcher) Type() notify.NotificationType { return notify.Email }
func (c *emailCatcher) Send(_ context.Context, m notify.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m)
	return uuid.NewString(), nil
}

func TestSentHTMLHasNoHostileLinks(t *testing.T) {
	t.Parallel()
	catcher := &emailCatcher{}
	q := memqueue.New(memqueue.Options{})
	t.Cleanup(func() { _ = q.Close() })
	n, err := notify.New(notify.Config{Store: memstore.New(), Queue: q, SecretKey: []byte("httpapi tests: a 32-byte secret key"),
		Providers: []notify.Provider{catcher}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	svc, err := n.CreateService(ctx, notify.Service{Name: "Links", Restricted: false})
	require.NoError(t, err)
	key, err := n.CreateAPIKey(ctx, svc.ID, "live", notify.KeyTypeLive)
	require.NoError(t, err)
	tpl, err := n.CreateTemplate(ctx, notify.Template{ServiceID: svc.ID, Type: notify.Email, Name: "Links",
		Subject: "Links", Content: hostileMarkdown})
	require.NoError(t, err)

	body, err := json.Marshal(map[string]any{"email_address": "someone@example.com", "template_id": tpl.ID.String(),
		"personalisation": hostileValues})
	require.NoError(t, err)
	tok, err := notify.NewToken(svc.ID, key.Secret, time.Now())
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/v2/notifications/email", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	httpapi.New(n, httpapi.Options{Logger: slog.New(slog.DiscardHandler)}).ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	var created struct{ ID uuid.UUID }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &created))

	require.NoError(t, n.Deliver(ctx, notify.Task{NotificationID: created.ID, Attempt: 1}))
	catcher.mu.Lock()
	defer catcher.mu.Unlock()
	require.Len(t, catcher.sent, 1)
	assertSafeHTML(t, catcher.sent[0].HTMLBody)
}
