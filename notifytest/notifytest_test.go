package notifytest_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/notifytest"
	"github.com/notifykit/notify/provider/sandbox"
	"github.com/notifykit/notify/store/memstore"
)

// wrappedStore is a Store of another type than memstore's.
type wrappedStore struct{ notify.Store }

func TestStoreIsNeverNil(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []notifytest.Options
	}{
		{"memory", nil},
		{"replaced", []notifytest.Options{{Config: func(c *notify.Config) { c.Store = wrappedStore{memstore.New()} }}}},
		{"replaced, read cache off", []notifytest.Options{{Config: func(c *notify.Config) {
			c.Store = wrappedStore{memstore.New()}
			c.ReadCacheTTL = -1
		}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := notifytest.New(t, tt.opts...)
			require.NotNil(t, env.Store)
			svc := env.Service(t, notify.Service{Name: "S", Restricted: true})
			caller := env.Key(t, svc, notify.KeyTypeLive)
			tpl := env.Template(t, svc, notify.SMS, "", "Hi")
			// A change made through env.Store is seen by the Notifier at once.
			got, err := env.Store.GetService(context.Background(), svc.ID)
			require.NoError(t, err)
			got.Restricted = false
			require.NoError(t, env.Store.UpdateService(context.Background(), got))
			caller, err = env.Notifier.Caller(context.Background(), svc.ID, caller.Key.ID)
			require.NoError(t, err)
			require.False(t, caller.Service.Restricted, "read through the Notifier's cache")
			nt, err := env.Notifier.SendSMS(context.Background(), caller,
				&notify.SMSRequest{PhoneNumber: "07700 900456", TemplateID: tpl.ID})
			require.NoError(t, err, "the service is live now")
			assert.Equal(t, notify.StatusDelivered, env.WaitFinal(t, nt.ID)[0].Status)
		})
	}
}

func TestHeldReceipts(t *testing.T) {
	t.Parallel()
	for _, status := range []notify.Status{notify.StatusDelivered, notify.StatusTemporaryFailure,
		notify.StatusPermanentFailure} {
		t.Run(string(status), func(t *testing.T) {
			t.Parallel()
			env := notifytest.New(t, notifytest.Options{HoldReceipts: true})
			svc := env.Service(t, notify.Service{})
			caller := env.Key(t, svc, notify.KeyTypeLive)
			tpl := env.Template(t, svc, notify.SMS, "", "Hi")
			nt, err := env.Notifier.SendSMS(context.Background(), caller,
				&notify.SMSRequest{PhoneNumber: "07700 900456", TemplateID: tpl.ID})
			require.NoError(t, err)
			sent := env.WaitSent(t, nt.ID)
			assert.Equal(t, notify.StatusSending, sent.Status, "no receipt until the test applies one")
			assert.Len(t, env.Sandbox.SentTo("447700900456"), 1)
			got := env.ApplyReceipt(t, nt.ID, status)
			assert.Equal(t, status, got.Status)
			assert.Equal(t, status, env.WaitFinal(t, nt.ID)[0].Status)
		})
	}
}

// fakeT records what an Env reports and stops the goroutine on Fatalf, as
// testing.T does.
type fakeT struct {
	mu       sync.Mutex
	fatal    string
	cleanups []func()
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// run calls fn in a goroutine, as a test would, and returns the message of
// its Fatalf, "" if none.
func (f *fakeT) run(fn func()) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal
}

func TestWaitingForANotificationNeverStored(t *testing.T) {
	t.Parallel()
	env := notifytest.New(t)
	svc := env.Service(t, notify.Service{})
	caller := env.Key(t, svc, notify.KeyTypeLive)
	tpl := env.Template(t, svc, notify.SMS, "", "Hi")
	nt, err := env.Notifier.SendSMS(context.Background(), caller,
		&notify.SMSRequest{PhoneNumber: "07700 900111", TemplateID: tpl.ID})
	require.NoError(t, err, "a simulated recipient is accepted")
	tests := map[string]func(notifytest.TB){
		"WaitFinal":    func(t notifytest.TB) { env.WaitFinal(t, nt.ID) },
		"Get":          func(t notifytest.TB) { env.Get(t, nt.ID) },
		"ApplyReceipt": func(t notifytest.TB) { env.ApplyReceipt(t, nt.ID, notify.StatusDelivered) },
	}
	for name, call := range tests {
		t.Run(name, func(t *testing.T) {
			ft := &fakeT{}
			msg := ft.run(func() { call(ft) })
			assert.Contains(t, msg, nt.ID.String()+" was never stored")
			assert.Contains(t, msg, "simulated recipients (+447700900000, +447700900111, +447700900222, simulate-delivered@")
		})
	}
}

func TestWaitFinalExplainsHeldReceipts(t *testing.T) {
	t.Parallel()
	env := notifytest.New(t, notifytest.Options{HoldReceipts: true, Timeout: 100 * time.Millisecond})
	svc := env.Service(t, notify.Service{})
	tpl := env.Template(t, svc, notify.SMS, "", "Hi")
	nt, err := env.Notifier.SendSMS(context.Background(), env.Key(t, svc, notify.KeyTypeLive),
		&notify.SMSRequest{PhoneNumber: "07700 900456", TemplateID: tpl.ID})
	require.NoError(t, err)
	ft := &fakeT{}
	msg := ft.run(func() { env.WaitFinal(ft, nt.ID) })
	assert.Contains(t, msg, "still sending after 100ms")
	assert.Contains(t, msg, "apply one with Env.ApplyReceipt")
}

func TestOptionsAreMerged(t *testing.T) {
	t.Parallel()
	var order []string
	env := notifytest.New(t,
		notifytest.Options{Config: func(c *notify.Config) { order = append(order, "first"); c.PageSize = 7 }},
		notifytest.WithConfig(func(*notify.Config) { order = append(order, "second") }),
		notifytest.WithSandbox(sandbox.Options{FailPermanently: func(notify.Message) bool { return true }}))
	assert.Equal(t, []string{"first", "second"}, order)
	assert.Equal(t, 7, env.Notifier.PageSize())
	svc := env.Service(t, notify.Service{})
	tpl := env.Template(t, svc, notify.SMS, "", "Hi")
	nt, err := env.Notifier.SendSMS(context.Background(), env.Key(t, svc, notify.KeyTypeLive),
		&notify.SMSRequest{PhoneNumber: "07700 900456", TemplateID: tpl.ID})
	require.NoError(t, err)
	assert.Equal(t, notify.StatusTechnicalFailure, env.WaitFinal(t, nt.ID)[0].Status, "the sandbox options apply")
}

func TestTheNotifierIsClosedWhenTheTestEnds(t *testing.T) {
	t.Parallel()
	ft := &fakeT{}
	env := notifytest.New(ft)
	env.Start()
	for _, fn := range ft.cleanups {
		fn()
	}
	assert.ErrorIs(t, env.Notifier.Run(context.Background()), notify.ErrClosed)
}
