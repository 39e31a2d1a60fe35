package main

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/notifykit/notify"
	"github.com/notifykit/notify/queue/memqueue"
	"github.com/notifykit/notify/store/gormstore"
)

// seedSecret is the secret of a live key of seedService in seedPath.
const seedSecret = "33333333-3333-4333-8333-333333333333"

var noEnv = func(string) string { return "" }

// runOnce starts the server with args, waits until it listens, stops it
// and returns its error.
func runOnce(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), noEnv, io.Discard, io.Discard, func(string) { cancel() })
}

// authenticated reports the status of GET /v2/templates with the seed's
// live key.
func authenticated(t *testing.T, addr string) int {
	t.Helper()
	tok, err := notify.NewToken(seedService, seedSecret, time.Now())
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v2/templates", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	return res.StatusCode
}

// rawGet sends a request line as written, without a client's cleaning.
func rawGet(t *testing.T, addr, target string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: notify.test\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// TestEveryPathGetsTheAPIsAnswer: paths a ServeMux would redirect get the
// API's JSON 404, from the server as a whole.
func TestEveryPathGetsTheAPIsAnswer(t *testing.T) {
	addr := startServer(t, "-db", filepath.Join(t.TempDir(), "paths.db"))
	for _, target := range []string{"//x", "/v2/../_status", "/./metrics", "//metrics", "/v2//templates", "/metrics/"} {
		res, body := rawGet(t, addr, target)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, target)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"), target)
		assert.Contains(t, body, "The requested URL was not found on the server.", target)
		assert.Empty(t, res.Header.Get("Location"), target)
	}
	res, body := rawGet(t, addr, "/metrics")
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "notify_")
}

// TestConnectionLimit: past -max-conns, a connection waits until one
// closes.
func TestConnectionLimit(t *testing.T) {
	addr := startServer(t, "-db", filepath.Join(t.TempDir(), "conns.db"), "-max-conns", "2")
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = io.WriteString(c, "GET /_status HTTP/1.1\r\nHost: x\r\n") // headers never end
		require.NoError(t, err)
		held = append(held, c)
	}
	quick := &http.Client{Timeout: 300 * time.Millisecond}
	_, err := quick.Get("http://" + addr + "/_status")
	require.Error(t, err, "a third connection is not served while two are held")

	require.NoError(t, held[0].Close())
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/_status")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	_ = held[1].Close()
}

func TestHTTPServerTimeouts(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	assert.LessOrEqual(t, srv.IdleTimeout, time.Minute)
	assert.Positive(t, srv.IdleTimeout)
	assert.Equal(t, 10*time.Second, srv.ReadHeaderTimeout)
}

func fileMode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Mode().Perm()
}

// TestDevelopmentKeyFile: without a key, an SQLite deployment keeps its
// development key in {db}.key, owner-only, and not in the database.
func TestDevelopmentKeyFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dev.db")
	require.NoError(t, runOnce(t, "-db", db, "-seed", seedPath))
	key, err := os.ReadFile(devKeyFile(db))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(strings.TrimSpace(string(key))), notify.MinSecretKeyLength)
	assert.Equal(t, fs.FileMode(0o600), fileMode(t, devKeyFile(db)))
	assert.Equal(t, fs.FileMode(0o600), fileMode(t, db))

	st, err := gormstore.OpenSQLite(context.Background(), db, gormstore.Options{})
	require.NoError(t, err)
	_, found, err := st.Setting(context.Background(), notify.DevSecretKeySetting)
	require.NoError(t, err)
	assert.False(t, found, "the key is not in the database")
	require.NoError(t, st.Close())

	addr := serve(t, "-db", db)
	assert.Equal(t, http.StatusOK, authenticated(t, addr), "a second start uses the same key")
}

// TestDevelopmentKeyMovesOutOfTheDatabase: a database whose development
// key an earlier version kept inside has it moved to {db}.key, and its
// secrets still open.
func TestDevelopmentKeyMovesOutOfTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "old.db")
	ctx := context.Background()
	st, err := gormstore.OpenSQLite(ctx, db, gormstore.Options{})
	require.NoError(t, err)
	q := memqueue.New(memqueue.Options{})
	n, err := notify.New(notify.Config{Store: st, Queue: q, Logger: slog.New(slog.DiscardHandler)}) // the key in the store
	require.NoError(t, err)
	svc, err := n.CreateService(ctx, notify.Service{ID: seedService, Name: "Old"})
	require.NoError(t, err)
	_, err = n.AddAPIKey(ctx, notify.APIKey{ServiceID: svc.ID, Name: "live", KeyType: notify.KeyTypeLive, Secret: seedSecret})
	require.NoError(t, err)
	_, found, err := st.Setting(ctx, notify.DevSecretKeySetting)
	require.NoError(t, err)
	require.True(t, found)
	require.NoError(t, q.Close())
	require.NoError(t, st.Close())

	addr := serve(t, "-db", db, "-role", "api")
	assert.Equal(t, http.StatusOK, authenticated(t, addr), "secrets sealed under the old key open")
	assert.Equal(t, fs.FileMode(0o600), fileMode(t, devKeyFile(db)))
	st, err = gormstore.OpenSQLite(ctx, db, gormstore.Options{})
	require.NoError(t, err)
	defer st.Close()
	_, found, err = st.Setting(ctx, notify.DevSecretKeySetting)
	require.NoError(t, err)
	assert.False(t, found, "the key left the database")
}

// TestWrongKeyStopsTheStart: a key other than the database's stops the
// server with a clear error, and the process exits with status 2.
func TestWrongKeyStopsTheStart(t *testing.T) {
	if os.Getenv("NOTIFYD_TEST_MAIN") == "1" {
		os.Args = append([]string{"notifyd"}, strings.Split(os.Getenv("NOTIFYD_TEST_ARGS"), "\n")...)
		main()
		os.Exit(0)
	}
	db := filepath.Join(t.TempDir(), "keyed.db")
	require.NoError(t, runOnce(t, "-db", db, "-seed", seedPath, "-secret-key", testKey))
	other := strings.Repeat("x", 40)
	err := runOnce(t, "-db", db, "-secret-key", other)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey)
	require.NoError(t, runOnce(t, "-db", db, "-secret-key", testKey))
	err = runOnce(t, "-db", db, "-secret-key", "too short")
	require.ErrorContains(t, err, "at least 32 bytes")

	cmd := exec.Command(os.Args[0], "-test.run=^TestWrongKeyStopsTheStart$")
	cmd.Env = append(os.Environ(), "NOTIFYD_TEST_MAIN=1",
		"NOTIFYD_TEST_ARGS="+strings.Join([]string{"-addr", "127.0.0.1:0", "-db", db, "-secret-key", other}, "\n"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(out), "wrong secret key")
	assert.NotContains(t, string(out), "listening")
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// TestRotateKeyCommand re-seals a database under a new key: the old key no
// longer starts the server, the new one does, and the API keys still
// authenticate.
func TestRotateKeyCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "rotate.db")
	oldFile := writeFile(t, dir, "old.key", testKey+"\n")
	newFile := writeFile(t, dir, "new.key", "the new key, also of 32 bytes or more\n")
	require.NoError(t, runOnce(t, "-db", db, "-seed", seedPath, "-secret-key-file", oldFile))

	rotate := func(args ...string) (string, error) {
		var out strings.Builder
		err := run(context.Background(), append([]string{"rotate-key", "-db", db}, args...), noEnv, &out, io.Discard, nil)
		return out.String(), err
	}
	wrongFile := writeFile(t, dir, "wrong.key", strings.Repeat("w", 40))
	_, err := rotate("-old-key-file", wrongFile, "-new-key-file", newFile)
	require.ErrorIs(t, err, notify.ErrWrongSecretKey, "the old key must be the database's")
	_, err = rotate("-old-key-file", oldFile)
	require.ErrorContains(t, err, "the new key is required")
	_, err = rotate("-old-key-file", oldFile, "-new-key", "short")
	require.ErrorContains(t, err, "at least 32 bytes")

	out, err := rotate("-old-key-file", oldFile, "-new-key-file", newFile)
	require.NoError(t, err)
	assert.Contains(t, out, "Re-sealed 2 API key secrets")
	out, err = rotate("-old-key-file", oldFile, "-new-key-file", newFile)
	require.NoError(t, err)
	assert.Contains(t, out, "already")

	require.ErrorIs(t, runOnce(t, "-db", db, "-secret-key-file", oldFile), notify.ErrWrongSecretKey)
	addr := serve(t, "-db", db, "-secret-key-file", newFile)
	assert.Equal(t, http.StatusOK, authenticated(t, addr))
}

// TestRotateFromTheDevelopmentKey: with no old key, rotate-key starts from
// the development key file, and deletes it.
func TestRotateFromTheDevelopmentKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "dev.db")
	require.NoError(t, runOnce(t, "-db", db, "-seed", seedPath))
	var out strings.Builder
	env := func(k string) string {
		if k == "NOTIFY_SECRET_KEY" {
			return testKey
		}
		return ""
	}
	require.NoError(t, run(context.Background(), []string{"rotate-key", "-db", db}, env, &out, io.Discard, nil))
	assert.Contains(t, out.String(), "Deleted the development key file")
	_, err := os.Stat(devKeyFile(db))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	require.ErrorIs(t, runOnce(t, "-db", db), notify.ErrWrongSecretKey, "a new development key does not open the secrets")
	addr := startServer(t, "-db", db)
	assert.Equal(t, http.StatusOK, authenticated(t, addr))
}

func TestReceiptTokenSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "tokens", "# receipts\nmmg=from-file\n\nses=ses-token\n")
	env := func(k string) string {
		if k == "NOTIFY_RECEIPT_TOKENS" {
			return "mmg=from-env, firetext=fire-token"
		}
		return ""
	}
	o, err := parseFlags([]string{"-receipt-token-file", file, "-receipt-token", "ses=from-flag"}, env, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, keyValues{"mmg": "from-file", "firetext": "fire-token", "ses": "from-flag"}, o.providers.receiptTokens,
		"flags over the file over the environment")

	for name, tc := range map[string]struct {
		args []string
		env  string
		want string
	}{
		"unknown flag provider": {args: []string{"-receipt-token", "mgm=secret-one"}, want: `unknown provider "mgm"`},
		"unknown env provider":  {env: "twillio=x", want: `unknown provider "twillio"`},
		"unknown file provider": {args: []string{"-receipt-token-file", writeFile(t, dir, "typo", "firetxt=secret-two\n")}, want: `unknown provider "firetxt"`},
		"bad file line":         {args: []string{"-receipt-token-file", writeFile(t, dir, "bad", "mmg\n")}, want: "bad:1: want PROVIDER=TOKEN"},
		"bad env pair":          {env: "secret-three", want: "want PROVIDER=TOKEN pairs"},
		"missing file":          {args: []string{"-receipt-token-file", filepath.Join(dir, "none")}, want: "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseFlags(tc.args, func(k string) string {
				if k == "NOTIFY_RECEIPT_TOKENS" {
					return tc.env
				}
				return ""
			}, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, secret := range []string{"secret-one", "secret-two", "secret-three"} {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}

func TestSecurityFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := writeFile(t, dir, "k", testKey+"\r\n")
	o, err := parseFlags([]string{"-secret-key-file", keyFile, "-max-conns", "10", "-shutdown-grace", "20s",
		"-record-sent-grace", "15s", "-allow-insecure-callbacks"}, noEnv, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, testKey, o.secretKey, "the file's bytes without the line end")
	assert.Equal(t, 10, o.security.maxConns)
	assert.True(t, o.security.allowInsecureCallbacks)

	for _, args := range [][]string{
		{"-record-sent-grace", "10s"}, // not below the 10s grace
		{"-shutdown-grace", "2s"},     // below the 5s record timeout
		{"-max-conns", "-1"},
		{"-secret-key-file", keyFile, "-secret-key", testKey},
		{"-secret-key-file", filepath.Join(dir, "none")},
		{"-secret-key-file", writeFile(t, dir, "empty", "\n")},
	} {
		_, err := parseFlags(args, noEnv, io.Discard)
		assert.Error(t, err, args)
	}
}
