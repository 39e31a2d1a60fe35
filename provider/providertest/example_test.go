package providertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/provider/providertest"
)

// A team's own SMS provider, "gateway": it POSTs {"to", "text"} to
// /messages with "Authorization: Key <key>" and reads {"id"} back; the
// gateway later posts receipts {"id", "status"}.

// gatewayProvider is the notify.Provider of the gateway.
type gatewayProvider struct {
	url, key string
}

func (p *gatewayProvider) Name() string                  { return "gateway" }
func (p *gatewayProvider) Type() notify.NotificationType { return notify.SMS }

// Send posts m; 429 and 5xx answers, and network errors, are worth a
// retry, any other refusal is permanent.
func (p *gatewayProvider) Send(ctx context.Context, m notify.Message) (string, error) {
	body, err := json.Marshal(map[string]string{"to": m.To, "text": m.Body})
	if err != nil {
		return "", notify.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/messages", bytes.NewReader(body))
	if err != nil {
		return "", notify.Permanent(err)
	}
	req.Header.Set("Authorization", "Key "+p.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("gateway: %w", err)
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusCreated:
		var out struct{ ID string }
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.ID == "" {
			return "", fmt.Errorf("gateway: unreadable answer: %v", err)
		}
		return out.ID, nil
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return "", fmt.Errorf("gateway: answered %d", res.StatusCode)
	default:
		return "", notify.Permanent(fmt.Errorf("gateway: refused with %d", res.StatusCode))
	}
}

// parseReceipt reads a gateway receipt.
func parseReceipt(body string) (notify.Receipt, error) {
	var r struct{ ID, Status string }
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ID == "" {
		return notify.Receipt{}, errors.New("gateway: malformed receipt")
	}
	status, ok := map[string]notify.Status{"delivered": notify.StatusDelivered,
		"failed": notify.StatusPermanentFailure, "expired": notify.StatusTemporaryFailure}[r.Status]
	if !ok {
		return notify.Receipt{}, fmt.Errorf("gateway: unknown status %q", r.Status)
	}
	return notify.Receipt{Provider: "gateway", ProviderReference: r.ID, Status: status}, nil
}

// fakeGateway is the gateway's fake for tests: it records what it
// accepts, or fails as it is told.
type fakeGateway struct {
	*httptest.Server
	mu   sync.Mutex
	fail int
	sent map[string]notify.Message
}

func newFakeGateway(key string) *fakeGateway {
	g := &fakeGateway{sent: map[string]notify.Message{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ To, Text string }
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "Key "+key:
			w.WriteHeader(http.StatusUnauthorized)
		case g.fail != 0:
			w.WriteHeader(g.fail)
		case json.NewDecoder(r.Body).Decode(&in) != nil:
			w.WriteHeader(http.StatusBadRequest)
		default:
			id := "gw-" + strconv.Itoa(len(g.sent)+1)
			g.sent[id] = notify.Message{To: in.To, Body: in.Text}
			w.WriteHeader(http.StatusCreated)
			_, _ = fmt.Fprintf(w, `{"id": %q}`, id)
		}
	}))
	return g
}

func (g *fakeGateway) failWith(status int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = status
}

const gatewayKey = "gw_live_5b1d93e0a7"

// testedGateway is the provider under test with its fake gateway.
type testedGateway struct {
	*gatewayProvider
	fake *fakeGateway
}

// harness describes the gateway provider to the suite. A provider's
// conformance test is one line:
//
//	func TestConformance(t *testing.T) { providertest.Run(t, harness()) }
func harness() providertest.Harness {
	fake := func(p notify.Provider) *fakeGateway { return p.(*testedGateway).fake }
	failWith := func(status int) func(*testing.T, notify.Provider) {
		return func(_ *testing.T, p notify.Provider) { fake(p).failWith(status) }
	}
	return providertest.Harness{
		New: func(t *testing.T) notify.Provider {
			g := newFakeGateway(gatewayKey)
			if t != nil {
				t.Cleanup(g.Close)
			}
			return &testedGateway{gatewayProvider: &gatewayProvider{url: g.URL, key: gatewayKey}, fake: g}
		},
		Delivered: func(_ *testing.T, p notify.Provider, ref string) (notify.Message, bool) {
			g := fake(p)
			g.mu.Lock()
			defer g.mu.Unlock()
			m, ok := g.sent[ref]
			return m, ok
		},
		Failures: []providertest.Failure{
			{Name: "429", Set: failWith(http.StatusTooManyRequests)},
			{Name: "503", Set: failWith(http.StatusServiceUnavailable)},
			{Name: "400 invalid number", Set: failWith(http.StatusBadRequest), Permanent: true},
			{Name: "connection refused", Set: func(_ *testing.T, p notify.Provider) { fake(p).Close() }},
		},
		Receipts: []providertest.ReceiptCase{
			{Name: "delivered", Parse: func() (notify.Receipt, error) { return parseReceipt(`{"id": "gw-1", "status": "delivered"}`) },
				Want: notify.StatusDelivered, WantRef: "gw-1"},
			{Name: "failed", Parse: func() (notify.Receipt, error) { return parseReceipt(`{"id": "gw-1", "status": "failed"}`) },
				Want: notify.StatusPermanentFailure},
			{Name: "unknown status", Parse: func() (notify.Receipt, error) { return parseReceipt(`{"id": "gw-1", "status": "lost"}`) },
				Err: true},
		},
		Secrets: []string{gatewayKey},
	}
}

// TestGatewayConformance runs the suite on the example's harness.
func TestGatewayConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, harness())
}

func ExampleHarness() {
	// Run checks a provider through its Harness, in a test:
	//
	//	func TestConformance(t *testing.T) { providertest.Run(t, harness()) }
	//
	// Here, by hand, what Run does with it (Run gives each check its
	// *testing.T; the gateway's harness does without).
	h := harness()
	p := h.New(nil)
	defer p.(*testedGateway).fake.Close()
	ref, err := p.Send(context.Background(), providertest.Message(notify.SMS))
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := h.Delivered(nil, p, ref)
	fmt.Printf("delivered %s: %s %q\n", ref, got.To, got.Body)
	for _, f := range h.Failures[:3] {
		f.Set(nil, p)
		_, err := p.Send(context.Background(), providertest.Message(notify.SMS))
		fmt.Printf("%s: permanent %v (want %v)\n", f.Name, notify.IsPermanent(err), f.Permanent)
	}
	r, err := h.Receipts[0].Parse()
	fmt.Println("receipt:", r.Status, err)
	// Output:
	// delivered gw-1: 447700900123 "Hello Jo, your code is 4821"
	// 429: permanent false (want false)
	// 503: permanent false (want false)
	// 400 invalid number: permanent true (want true)
	// receipt: delivered <nil>
}
