// Package skylarktest runs a fake Skylark for tests: its send API on an
// httptest.Server, and the receipts it posts back to a webhook.
package skylarktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/notifykit/notify/examples/customprovider/skylark"
)

// Server is a fake Skylark API. It checks the API key, records the
// messages it accepts and answers 202 {"message_id": ...}, or the failure
// it was told to give.
type Server struct {
	*httptest.Server
	apiKey string
	fail   atomic.Int32 // HTTP status to answer with; 0: accept
	n      atomic.Int64
	mu     sync.Mutex
	sent   map[string]skylark.SendRequest
}

// New starts a fake that accepts apiKey; it stops when the test ends.
func New(t testing.TB, apiKey string) *Server {
	s := &Server{apiKey: apiKey, sent: map[string]skylark.SendRequest{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the following sends fail with status (0: accept again).
func (s *Server) Fail(status int) { s.fail.Store(int32(status)) }

// Sent returns the message accepted as messageID.
func (s *Server) Sent(messageID string) (skylark.SendRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.sent[messageID]
	return m, ok
}

// SentTo returns the id of a message accepted for clientRef.
func (s *Server) SentTo(clientRef string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, m := range s.sent {
		if m.ClientRef == clientRef {
			return id, true
		}
	}
	return "", false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	refuse := func(status int, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		refuse(http.StatusNotFound, "not_found")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		refuse(http.StatusUnauthorized, "invalid_api_key")
		return
	}
	if status := int(s.fail.Load()); status != 0 {
		refuse(status, fmt.Sprintf("failure_%d", status))
		return
	}
	var m skylark.SendRequest
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Text == "" {
		refuse(http.StatusBadRequest, "invalid_request")
		return
	}
	if !strings.HasPrefix(m.To, "+") || len(m.To) < 8 {
		refuse(http.StatusUnprocessableEntity, "invalid_number")
		return
	}
	id := fmt.Sprintf("sky_%016x", s.n.Add(1))
	s.mu.Lock()
	s.sent[id] = m
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]string{"message_id": id})
}

// PostReceipt posts the receipt of a message to a webhook URL, as Skylark
// does, with its webhook secret, and returns the answer's status.
func PostReceipt(t testing.TB, webhookURL, secret string, c skylark.Callback) int {
	t.Helper()
	body, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}
