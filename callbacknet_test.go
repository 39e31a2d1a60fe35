package notify_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
)

func TestCallbackURLRules(t *testing.T) {
	t.Parallel()
	secure := newFixture(t, notify.Service{})
	insecure := newFixture(t, notify.Service{}, insecureCallbacks)
	tests := []struct {
		url         string
		secureErr   string // "" when a secure Notifier takes it
		insecureErr string
	}{
		{"https://example.com/cb", "", ""},
		{"https://93.184.216.34/cb", "", ""},
		{"https://[2606:4700::1111]:8443/cb", "", ""},
		{"http://example.com/cb", "must be https", ""},
		{"ftp://example.com/cb", "absolute https URL", "absolute https URL"},
		{"https:///cb", "absolute https URL", "absolute https URL"},
		{"/relative", "absolute https URL", "absolute https URL"},
		{"https://127.0.0.1/cb", "may not reach", ""},
		{"https://127.8.9.10:99/cb", "may not reach", ""},
		{"https://[::1]/cb", "may not reach", ""},
		{"https://10.1.2.3/cb", "may not reach", ""},
		{"https://172.16.0.1/cb", "may not reach", ""},
		{"https://192.168.0.1/cb", "may not reach", ""},
		{"https://[fd00::1]/cb", "may not reach", ""},
		{"https://169.254.169.254/latest/meta-data", "may not reach", ""},
		{"https://[fe80::1]/cb", "may not reach", ""},
		{"https://0.0.0.0/cb", "may not reach", ""},
		{"https://[::]/cb", "may not reach", ""},
		{"https://[::ffff:127.0.0.1]/cb", "may not reach", ""},
		{"https://[64:ff9b::a00:1]/cb", "may not reach", ""}, // NAT64 of 10.0.0.1
		{"https://[2002:c0a8:1::1]/cb", "may not reach", ""}, // 6to4 of 192.168.0.1
		{"https://100.64.0.1/cb", "may not reach", ""},
		{"https://224.0.0.1/cb", "may not reach", ""},
		{"https://255.255.255.255/cb", "may not reach", ""},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			for _, c := range []struct {
				f    *fixture
				want string
			}{{secure, tc.secureErr}, {insecure, tc.insecureErr}} {
				err := c.f.env.Notifier.SetServiceCallback(ctx, c.f.svc.ID, tc.url, "a-long-bearer-token")
				if c.want == "" {
					assert.NoError(t, err)
					continue
				}
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.want)
				if c.want == "may not reach" {
					assert.ErrorIs(t, err, notify.ErrCallbackAddress)
				}
			}
		})
	}
}

// countingTLSServer is an https server on loopback that counts the
// connections made to it.
func countingTLSServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestCallbackDialRefusesPrivateAddresses: a callback host given by name
// is judged on the address it resolves to when the connection is made.
func TestCallbackDialRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	srv, conns := countingTLSServer(t, func(http.ResponseWriter, *http.Request) {})
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	f := newFixture(t, notify.Service{})
	require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, "https://localhost:"+port+"/cb", "a-long-bearer-token"),
		"a host name is judged when connecting")
	nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
	require.NoError(t, err)
	for range 2 { // every attempt is judged again
		err = f.env.Notifier.Handle(ctx, notify.Task{Name: notify.TaskServiceCallback, NotificationID: nt.ID})
		require.ErrorIs(t, err, notify.ErrCallbackAddress)
		assert.True(t, notify.IsPermanent(err))
		assert.NotContains(t, err.Error(), "a-long-bearer-token")
	}
	assert.Zero(t, conns.Load(), "no connection reached the server")
}

// TestCallbackRedirectsAreNotFollowed: the answer of the configured URL is
// final, a redirect included, so the bearer token goes nowhere else, with
// the default client or one of the caller's.
func TestCallbackRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	var first atomic.Int32
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Add(1)
		assert.Equal(t, "Bearer a-long-bearer-token", r.Header.Get("Authorization"))
		http.Redirect(w, r, other.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)

	for name, opt := range map[string]notifytest.Option{
		"default client": insecureCallbacks,
		"caller's client": notifytest.WithConfig(func(c *notify.Config) {
			c.AllowInsecureCallbacks = true
			c.CallbackClient = &http.Client{}
		}),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, notify.Service{}, opt)
			require.NoError(t, f.env.Notifier.SetServiceCallback(ctx, f.svc.ID, redirecting.URL+"/cb", "a-long-bearer-token"))
			nt, err := f.sendSMS(notify.KeyTypeLive, teamPhone)
			require.NoError(t, err)
			before := first.Load()
			err = f.env.Notifier.Handle(ctx, notify.Task{Name: notify.TaskServiceCallback, NotificationID: nt.ID})
			require.Error(t, err)
			assert.True(t, notify.IsPermanent(err), "a redirect is a final answer")
			assert.True(t, strings.Contains(err.Error(), "307"), err.Error())
			assert.Equal(t, before+1, first.Load())
			assert.Zero(t, elsewhere.Load(), "the redirect was followed")
		})
	}
}
