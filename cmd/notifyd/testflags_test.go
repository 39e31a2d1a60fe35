package main

import (
	"bytes"
	"flag"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelpHidesTestFlags: the usage message (-help, -h, or a bad flag)
// lists the operator's flags with their registered defaults and none of
// the test-only flags, which are accepted all the same.
func TestHelpHidesTestFlags(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	var testOnly []string
	(&testOptions{}).register(flag.NewFlagSet("probe", flag.ContinueOnError)).VisitAll(func(f *flag.Flag) {
		testOnly = append(testOnly, f.Name)
	})
	require.ElementsMatch(t, []string{"sandbox-fail-rate", "sandbox-permanent-fail-suffix", "sandbox-latency",
		"sandbox-log", "sandbox-seed", "retry-backoff"}, testOnly)
	listed := func(help, name string) bool {
		return regexp.MustCompile(`(?m)^  -` + regexp.QuoteMeta(name) + `( |$)`).MatchString(help)
	}

	for _, args := range [][]string{
		{"-help"},
		{"-h"},
		{"-addr", "127.0.0.1:7000", "-sandbox-latency", "1s", "-help"},
		{"-no-such-flag"},
	} {
		var out bytes.Buffer
		_, err := parseFlags(args, noEnv, &out)
		require.Error(t, err, args)
		help := out.String()
		assert.Contains(t, help, "Usage of notifyd:", args)
		for _, name := range []string{"addr", "db", "postgres", "seed", "role", "secret-key", "redis", "redis-prefix",
			"sweep-after", "visibility-timeout", "request-timeout", "max-attempts", "workers", "statsd", "token"} {
			assert.True(t, listed(help, name), "%v: -%s missing from\n%s", args, name, help)
		}
		for _, name := range testOnly {
			assert.False(t, listed(help, name), "%v: -%s listed in\n%s", args, name, help)
		}
		assert.Contains(t, help, `listen address (default "127.0.0.1:6011")`, "the registered default, not the parsed value")
	}

	o, err := parseFlags([]string{"-sandbox-fail-rate", "0.25", "-sandbox-permanent-fail-suffix", "999",
		"-sandbox-latency", "2ms", "-sandbox-log", "/tmp/sends.jsonl", "-sandbox-seed", "7", "-retry-backoff", "50ms"},
		noEnv, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, testOptions{sandboxFailRate: 0.25, sandboxPermFail: "999", sandboxLatency: 2 * time.Millisecond,
		sandboxLog: "/tmp/sends.jsonl", sandboxFailSeed: 7, retryBackoff: 50 * time.Millisecond}, o.test)
}
