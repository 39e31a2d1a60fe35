package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
)

// TestTheREADMEShowsThisProgram: the README's embedding example is this
// file, byte for byte, so that what it shows compiles and runs.
func TestTheREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	program, err := os.ReadFile("main.go")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n## Embedding\n")
	require.True(t, ok, "the README has an Embedding section")
	_, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "with a Go block")
	block, _, ok = strings.Cut(block, "\n```\n")
	require.True(t, ok, "that ends")
	assert.Equal(t, string(program), block+"\n", "README.md's Embedding example differs from examples/embedding/main.go")
}

func TestRun(t *testing.T) {
	t.Setenv("NOTIFY_SECRET_KEY", "embedding example tests: 32 bytes or more")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	assert.Equal(t, "07700 900123 delivered: Your code is 4821\n"+
		"07700 900456 refused: not in the team while the service is in trial mode\n", out.String())
}

func TestServe(t *testing.T) {
	t.Setenv("NOTIFY_SECRET_KEY", "embedding example tests: 32 bytes or more")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, w, "127.0.0.1:0"); _ = w.Close() }()
	lines := bufio.NewScanner(r)
	var base, key string
	for lines.Scan() {
		if m := regexp.MustCompile(`^serving on (\S+) with key (\S+)$`).FindStringSubmatch(lines.Text()); m != nil {
			base, key = m[1], m[2]
			break
		}
	}
	require.NotEmpty(t, base, "the program says where it serves")
	go func() { _, _ = io.Copy(io.Discard, r) }()

	svc, secret, err := notify.ParseKey(key)
	require.NoError(t, err)
	token, err := notify.NewToken(svc, secret, time.Now())
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v2/notifications", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var page struct {
		Notifications []struct{ ID string }
		Links         struct{ Current, Next string }
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&page))
	assert.Len(t, page.Notifications, 1, "the message sent to the team member")
	assert.Equal(t, base+"/v2/notifications", page.Links.Current, "links keep the /notify prefix")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err, "stops when its context ends")
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
}
