package smtp_test

import (
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeSMTP is a tiny SMTP server that answers each command with a
// configured reply, to test what real servers rarely do on demand (4xx
// replies, a refused greeting, a failed login), and keeps what it
// received.
type fakeSMTP struct {
	ln       net.Listener
	greeting string
	replies  map[string]string // command (EHLO, AUTH, MAIL, RCPT, DATA, END) → reply
	mu       sync.Mutex
	messages []string
	lines    []string
}

func newFakeSMTP(t *testing.T, greeting string, replies map[string]string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeSMTP{ln: ln, greeting: greeting, replies: replies}
	if f.greeting == "" {
		f.greeting = "220 fake ESMTP ready"
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { f.serve(c) })
		}
	})
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) reply(cmd, def string) string {
	if r, ok := f.replies[cmd]; ok {
		return r
	}
	return def
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer func() { _ = c.Close() }()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("%s", f.greeting)
	if !strings.HasPrefix(f.greeting, "2") {
		return
	}
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.lines = append(f.lines, line)
		f.mu.Unlock()
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		switch cmd {
		case "EHLO":
			if r, ok := f.replies["EHLO"]; ok {
				_ = tp.PrintfLine("%s", r)
				continue
			}
			_ = tp.PrintfLine("250-fake greets you")
			_ = tp.PrintfLine("250-AUTH PLAIN LOGIN")
			_ = tp.PrintfLine("250-8BITMIME")
			_ = tp.PrintfLine("250 SMTPUTF8")
		case "HELO", "RSET", "NOOP":
			_ = tp.PrintfLine("250 2.0.0 ok")
		case "AUTH":
			_ = tp.PrintfLine("%s", f.reply("AUTH", "235 2.7.0 authenticated"))
		case "MAIL":
			_ = tp.PrintfLine("%s", f.reply("MAIL", "250 2.1.0 sender ok"))
		case "RCPT":
			_ = tp.PrintfLine("%s", f.reply("RCPT", "250 2.1.5 recipient ok"))
		case "DATA":
			r := f.reply("DATA", "354 end with <CRLF>.<CRLF>")
			_ = tp.PrintfLine("%s", r)
			if !strings.HasPrefix(r, "354") {
				continue
			}
			body, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			end := f.reply("END", "250 2.0.0 queued")
			if strings.HasPrefix(end, "2") {
				f.mu.Lock()
				f.messages = append(f.messages, string(body))
				f.mu.Unlock()
			}
			_ = tp.PrintfLine("%s", end)
		case "QUIT":
			_ = tp.PrintfLine("221 2.0.0 bye")
			return
		default:
			_ = tp.PrintfLine("502 5.5.2 command not recognised")
		}
	}
}

func (f *fakeSMTP) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.messages...)
}

func (f *fakeSMTP) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.lines...)
}
