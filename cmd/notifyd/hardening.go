package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"github.com/notifykit/notify/provider/firetext"
	"github.com/notifykit/notify/provider/mmg"
	"github.com/notifykit/notify/provider/ses"
	"github.com/notifykit/notify/provider/twilio"
)

// Defaults of the server's protective flags.
const (
	// defaultMaxConns caps the connections served at once; more wait in
	// the listen backlog.
	defaultMaxConns = 1024
	// defaultShutdownGrace is how long a stopping server waits for
	// requests and deliveries in flight.
	defaultShutdownGrace = 10 * time.Second
	// defaultRecordSentGrace bounds how long a stopping worker keeps
	// trying to record a send the provider accepted: below the grace.
	defaultRecordSentGrace = 5 * time.Second
	// idleTimeout closes keep-alive connections idle this long.
	idleTimeout = 60 * time.Second
)

// securityOptions are the flags that protect the server and its secrets.
type securityOptions struct {
	secretKeyFile, receiptTokenFile string
	allowInsecureCallbacks          bool
	maxConns                        int
	shutdownGrace, recordSentGrace  time.Duration
}

func (s *securityOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&s.secretKeyFile, "secret-key-file", "", "file holding the secret key (its bytes without trailing white space; at least 32), instead of -secret-key")
	fs.StringVar(&s.receiptTokenFile, "receipt-token-file", "", "file of PROVIDER=TOKEN lines (# comments), as -receipt-token; also $NOTIFY_RECEIPT_TOKENS (PROVIDER=TOKEN pairs separated by commas or spaces)")
	fs.BoolVar(&s.allowInsecureCallbacks, "allow-insecure-callbacks", false, "DEVELOPMENT ONLY: let service callbacks use http and reach loopback, private and link-local addresses")
	fs.IntVar(&s.maxConns, "max-conns", defaultMaxConns, "connections served at once (0: no limit); more wait to be accepted")
	fs.DurationVar(&s.shutdownGrace, "shutdown-grace", defaultShutdownGrace, "on SIGINT or SIGTERM, how long requests and deliveries in flight may take to finish")
	fs.DurationVar(&s.recordSentGrace, "record-sent-grace", defaultRecordSentGrace,
		"how long a stopping worker keeps trying to record a send the provider accepted (below -shutdown-grace)")
}

// check reads the key and token files and checks the flags; it runs after
// the providers' check.
func (s *securityOptions) check(o *options, getenv func(string) string) error {
	if s.maxConns < 0 || s.shutdownGrace <= 0 || s.recordSentGrace <= 0 {
		return errors.New("-max-conns must not be negative, -shutdown-grace and -record-sent-grace must be positive")
	}
	if s.recordSentGrace >= s.shutdownGrace {
		return fmt.Errorf("-record-sent-grace (%s) must be below -shutdown-grace (%s), or a stopping worker is killed while recording a send", s.recordSentGrace, s.shutdownGrace)
	}
	key, err := secretKeyFrom(o.secretKey, s.secretKeyFile, getenv)
	if err != nil {
		return err
	}
	o.secretKey = key
	return s.receiptTokens(&o.providers, getenv)
}

// secretKeyFrom returns the secret key the server and the commands are
// given: -secret-key, else $NOTIFY_SECRET_KEY, or the key of
// -secret-key-file; the file with either of the others is an error.
func secretKeyFrom(key, file string, getenv func(string) string) (string, error) {
	if key == "" {
		key = getenv("NOTIFY_SECRET_KEY")
	}
	if file == "" {
		return key, nil
	}
	if key != "" {
		return "", errors.New("give -secret-key-file or -secret-key ($NOTIFY_SECRET_KEY), not both")
	}
	b, err := readKeyFile(file, nil)
	if err != nil {
		return "", fmt.Errorf("-secret-key-file: %w", err)
	}
	return string(b), nil
}

// receiptProviders are the providers whose receipt webhooks the server
// mounts (providerOptions.webhooks).
var receiptProviders = []string{mmg.Name, firetext.Name, ses.Name, twilio.Name}

// receiptTokens merges $NOTIFY_RECEIPT_TOKENS, then -receipt-token-file,
// then -receipt-token flags (the later wins for a provider) into p, and
// refuses a provider name the server has no webhook for: a typo would
// otherwise leave the real webhook answering 404 without a word.
func (s *securityOptions) receiptTokens(p *providerOptions, getenv func(string) string) error {
	merged := keyValues{}
	for _, pair := range strings.FieldsFunc(getenv("NOTIFY_RECEIPT_TOKENS"), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\n' || r == '\t'
	}) {
		if err := merged.Set(pair); err != nil {
			return fmt.Errorf("$NOTIFY_RECEIPT_TOKENS: %w", errors.New("want PROVIDER=TOKEN pairs"))
		}
	}
	if s.receiptTokenFile != "" {
		if err := readTokenFile(s.receiptTokenFile, merged); err != nil {
			return err
		}
	}
	for k, v := range p.receiptTokens {
		merged[k] = v
	}
	for name := range merged {
		if !slices.Contains(receiptProviders, name) {
			return fmt.Errorf("receipt token for unknown provider %q: want one of %s", name, strings.Join(receiptProviders, ", "))
		}
	}
	if len(merged) > 0 {
		p.receiptTokens = merged
	}
	return nil
}

// readTokenFile adds the PROVIDER=TOKEN lines of path to into. Blank lines
// and lines starting with # are skipped. Errors name the line, never the
// token.
func readTokenFile(path string, into keyValues) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("-receipt-token-file: %w", err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if err := into.Set(l); err != nil {
			return fmt.Errorf("-receipt-token-file %s:%d: want PROVIDER=TOKEN", path, line)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("-receipt-token-file: %w", err)
	}
	return nil
}

// newHTTPServer is the server of handler: a slow client gets 10s to send
// its headers (431 past http.DefaultMaxHeaderBytes) and a minute for the
// whole request and the answer, and an idle keep-alive connection is
// closed after idleTimeout.
func newHTTPServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// limitListener caps the connections ln serves at once at max (0: no
// cap).
func limitListener(ln net.Listener, max int) net.Listener {
	if max <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, max)
}

// routes is the server's handler: GET /metrics, and the API (or a
// worker's /_status) for everything else. It is not an http.ServeMux: a
// ServeMux answers a path such as //x or /v2/../_status with a redirect
// and an HTML body, where the API answers every path with its JSON
// errors.
func routes(metrics, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
