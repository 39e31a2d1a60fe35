package seed_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/seed"
)

const callbacksDoc = `{"services": [{
  "id": "11111111-1111-4111-8111-111111111111", "name": "Seeded",
  "callbacks": [
    {"type": "delivery_status", "url": "https://example.com/status", "bearer_token": "status-token-1234"},
    {"type": "inbound_sms", "url": "https://example.com/texts", "bearer_token": "texts-token-1234"}
  ],
  "inbound_numbers": ["07700 900999", "40604"]
}]}`

// Callbacks and inbound numbers are seeded, and seeding again changes
// nothing.
func TestSeedCallbacksAndInboundNumbers(t *testing.T) {
	t.Parallel()
	n := newNotifier(t)
	f, err := seed.Parse([]byte(callbacksDoc))
	require.NoError(t, err)
	require.NoError(t, seed.Apply(ctx(), n, f))

	cbs, err := n.Callbacks(ctx(), seedService)
	require.NoError(t, err)
	require.Len(t, cbs, 2)
	assert.Equal(t, notify.CallbackDeliveryStatus, cbs[0].Type)
	assert.Equal(t, "https://example.com/status", cbs[0].URL)
	assert.Empty(t, cbs[0].BearerToken, "tokens are never read back")
	assert.Equal(t, notify.CallbackInboundSMS, cbs[1].Type)
	assert.Equal(t, "https://example.com/texts", cbs[1].URL)

	nums, err := n.InboundNumbers(ctx(), seedService)
	require.NoError(t, err)
	require.Len(t, nums, 2)
	got := []string{nums[0].Number, nums[1].Number}
	assert.ElementsMatch(t, []string{"447700900999", "40604"}, got)
	senders, err := n.ListSMSSenders(ctx(), seedService)
	require.NoError(t, err)
	require.Len(t, senders, 2, "each inbound number becomes one of the service's SMS senders")
	assert.True(t, senders[0].IsDefault, "the first one the default of a service without one")
	assert.Contains(t, got, senders[0].SMSSender)

	// Stored sealed, like API key secrets.
	cs := n.Store().(interface{ Unwrap() notify.Store }).Unwrap().(notify.ServiceCallbackStore)
	raw, err := cs.GetServiceCallback(ctx(), seedService, notify.CallbackDeliveryStatus)
	require.NoError(t, err)
	assert.NotContains(t, raw.URL, "example.com")
	assert.NotContains(t, raw.BearerToken, "status-token")

	require.NoError(t, seed.Apply(ctx(), n, f))
	again, err := n.Callbacks(ctx(), seedService)
	require.NoError(t, err)
	assert.Equal(t, cbs, again, "a second load changes nothing")
	sendersAgain, err := n.ListSMSSenders(ctx(), seedService)
	require.NoError(t, err)
	assert.Equal(t, senders, sendersAgain, "a second load adds no sender")

	// A new token replaces the old one.
	f.Services[0].Callbacks[0].BearerToken = "another-token-5678"
	require.NoError(t, seed.Apply(ctx(), n, f))
	changed, err := n.Callback(ctx(), seedService, notify.CallbackDeliveryStatus)
	require.NoError(t, err)
	assert.Equal(t, cbs[0].ID, changed.ID)
	assert.NotNil(t, changed.UpdatedAt)
}

func TestSeedCallbackRefusals(t *testing.T) {
	t.Parallel()
	svc := func(extra string) string {
		return `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", ` + extra + `}]}`
	}
	cases := map[string]string{
		"unknown type":    svc(`"callbacks": [{"type": "returned_letter", "url": "https://example.com", "bearer_token": "0123456789"}]`),
		"short token":     svc(`"callbacks": [{"type": "complaint", "url": "https://example.com", "bearer_token": "short"}]`),
		"no url":          svc(`"callbacks": [{"type": "complaint", "bearer_token": "0123456789"}]`),
		"twice a type":    svc(`"callbacks": [{"type": "complaint", "url": "https://a.example", "bearer_token": "0123456789"}, {"type": "complaint", "url": "https://b.example", "bearer_token": "0123456789"}]`),
		"unknown field":   svc(`"callbacks": [{"type": "complaint", "url": "https://a.example", "bearer_token": "0123456789", "token": 1}]`),
		"not a number":    svc(`"inbound_numbers": ["phone"]`),
		"number not list": svc(`"inbound_numbers": "07700900999"`),
		"two services": `{"services": [{"id": "11111111-1111-4111-8111-111111111111", "name": "x", "inbound_numbers": ["07700900999"]},
			{"id": "22222222-2222-4222-8222-222222222222", "name": "y", "inbound_numbers": ["+447700900999"]}]}`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := seed.Parse([]byte(doc))
			assert.Error(t, err)
		})
	}

	// A URL the Notifier refuses (http) fails the load, naming the callback.
	n := newNotifier(t)
	f := &seed.File{Services: []seed.Service{{ID: seedService, Name: "x",
		Callbacks: []seed.Callback{{Type: notify.CallbackComplaint, URL: "http://example.com", BearerToken: "0123456789"}}}}}
	err := seed.Apply(ctx(), n, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "complaint callback")
	assert.NotContains(t, err.Error(), "0123456789", "the token is never in an error")

	// A number another service has (from an earlier load) fails the load.
	other := &seed.File{Services: []seed.Service{{ID: uuid.New(), Name: "y", InboundNumbers: []string{"07700900111"}}}}
	require.NoError(t, seed.Apply(ctx(), n, other))
	mine := &seed.File{Services: []seed.Service{{ID: uuid.New(), Name: "z", InboundNumbers: []string{"447700900111"}}}}
	assert.ErrorIs(t, seed.Apply(ctx(), n, mine), notify.ErrInboundNumberTaken)
}
