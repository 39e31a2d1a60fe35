package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestDemoHints follows what the demo prints, as a newcomer would: the
// printed curl bodies are accepted, the demo service can send a file by
// email, and the command a later start suggests for a lost key makes one.
func TestDemoHints(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "notify.db")
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrCh := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db},
			func(string) string { return "" }, stdout, stderr, func(a string) { addrCh <- a })
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case err := <-done:
		t.Fatalf("server stopped: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	base := "http://" + addr
	out := stdout.String()

	key := regexp.MustCompile(`(?m)^  KEY=(\S+)$`).FindStringSubmatch(out)
	require.NotNil(t, key, out)
	assert.Contains(t, out, "  live  "+key[1]+"\n", "KEY= is the live key")
	// Each printed curl: its URL and its -d body, if any.
	curls := regexp.MustCompile(`(?m)^  curl -s (\S+) \\\n.*\n(?:    -d '(.*)'\n)?`).FindAllStringSubmatch(out, -1)
	require.Len(t, curls, 3, out)

	call := func(method, url, body string) (int, map[string]any) {
		t.Helper()
		sid, secret, err := notify.ParseKey(key[1])
		require.NoError(t, err)
		tok, err := notify.NewToken(sid, secret, time.Now())
		require.NoError(t, err)
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		var m map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
		return res.StatusCode, m
	}
	var sent string
	for _, c := range curls[:2] {
		status, body := call(http.MethodPost, c[1], c[2])
		require.Equal(t, http.StatusCreated, status, "%s %s: %v", c[1], c[2], body)
		sent = body["id"].(string)
	}
	read := strings.Replace(curls[2][1], "ID_FROM_THE_ANSWER", sent, 1)
	require.Eventually(t, func() bool {
		status, got := call(http.MethodGet, read, "")
		return status == http.StatusOK && got["status"] == "delivered"
	}, 15*time.Second, 100*time.Millisecond)

	// The demo service has a contact link: it may send files by email.
	var email map[string]any
	require.NoError(t, json.Unmarshal([]byte(curls[1][2]), &email))
	email["personalisation"] = map[string]any{"name": map[string]any{
		"file": base64.StdEncoding.EncodeToString([]byte("hello\n")), "filename": "hello.txt"}}
	raw, err := json.Marshal(email)
	require.NoError(t, err)
	status, body := call(http.MethodPost, curls[1][1], string(raw))
	require.Equal(t, http.StatusCreated, status, "%v", body)
	assert.Contains(t, body["content"].(map[string]any)["body"], base+"/d/")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}

	// A later start says how to make a key; that command works.
	stdout2 := &lockedBuffer{}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	require.NoError(t, run(ctx2, []string{"-addr", "127.0.0.1:0", "-db", db},
		func(string) string { return "" }, stdout2, io.Discard, func(string) { cancel2() }))
	hint := regexp.MustCompile(`(?m)^  go run \./cmd/notifyd (key create .*)$`).FindStringSubmatch(stdout2.String())
	require.NotNil(t, hint, stdout2.String())
	var made bytes.Buffer
	require.NoError(t, run(context.Background(), strings.Fields(hint[1]),
		func(string) string { return "" }, &made, io.Discard, nil))
	sid, _, err := notify.ParseKey(key[1])
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^mine-`+sid.String()+`-[0-9a-f-]{36}$`, made.String())
}

// A listening address becomes one a client on this machine can dial.
func TestReachable(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:6011": "127.0.0.1:6011",
		"0.0.0.0:6011":   "localhost:6011",
		"[::]:6011":      "localhost:6011",
		"[::1]:6011":     "[::1]:6011",
	} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		require.NoError(t, err)
		assert.Equal(t, want, reachable(addr), in)
	}
}
