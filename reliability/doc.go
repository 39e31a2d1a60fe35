// Package reliability proves, with real processes, that no accepted
// notification is ever lost: it builds cmd/notifyd, starts its own
// PostgreSQL (.ci/postgres.sh) and redis-server processes on loopback, runs
// api and worker server processes against them, drives the HTTP API with
// many concurrent requests while it kills and restarts things, and
// reconciles at the end: accepted (201) = rows stored = notifications in a
// final status, with the provider's duplicate sends counted from the
// sandbox's send log.
//
// The scenarios (see the tests):
//
//  1. worker killed: kill -9 a worker mid-delivery, start a new one;
//  2. Redis down: stop Redis during a stream of sends, bring it back empty;
//  3. PostgreSQL restart during a stream of sends;
//  4. flaky provider: 50 % retryable failures and some permanent ones;
//  5. daily limits, text messages and emails, across two api processes
//     sharing Redis;
//  6. rate limit across two api processes sharing Redis;
//  7. api killed: kill -9 an api process while its batches of sends are
//     being committed, send the rest through a second api process and the
//     restarted one; every 201 is stored and delivered, nothing stays
//     created, and rows committed without a 201 are counted and printed;
//  8. bulk: a 20,000-row job in one request, kill -9 the worker while it
//     delivers the job, start another; every row final, the job finished,
//     its statistics the rows'.
//
// They are slow (a few minutes) and need root (PostgreSQL runs as the
// postgres user), so they run only when NOTIFY_TEST_RELIABILITY=1:
//
//	NOTIFY_TEST_RELIABILITY=1 go test -v -count=1 -timeout 15m ./reliability/
//
// The run ends with a line "N passed, M failed". The package has no
// non-test code.
package reliability
