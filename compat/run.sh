#!/usr/bin/env bash
# Client-compatibility check: builds cmd/notifyd, starts it on a free
# loopback port with a temporary SQLite file and compat/seed.json, installs
# GOV.UK Notify's official Node client (npm ci, pinned by package-lock.json)
# and runs check.js against it. The last line is "N passed, M failed"; the
# exit status is non-zero when anything failed. Needs Go, Node 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd .. && pwd)

tmp=$(mktemp -d /tmp/notify-compat.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/server" ./cmd/notifyd)
npm ci --no-audit --no-fund --loglevel=error >/dev/null

: >"$tmp/server.log"
(umask 077 && head -c 32 /dev/urandom | base64 >"$tmp/secret.key")
# The admin API too: check.js sets a service up over it, then sends with the client.
NOTIFY_ADMIN_SECRET=$(head -c 32 /dev/urandom | base64)
export NOTIFY_ADMIN_SECRET
"$tmp/server" -addr 127.0.0.1:0 -db "$tmp/notify.db" -seed "$here/seed.json" \
	-secret-key-file "$tmp/secret.key" >"$tmp/server.out" 2>"$tmp/server.log" &
pid=$!

addr=""
for _ in $(seq 1 300); do
	addr=$(sed -n 's/.*msg=listening addr=\([^ ]*\).*/\1/p' "$tmp/server.log" | head -n 1)
	[ -n "$addr" ] && break
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "the server did not start:"; cat "$tmp/server.log"
		echo "0 passed, 1 failed"
		exit 1
	fi
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "the server did not listen within 30 s:"; cat "$tmp/server.log"
	echo "0 passed, 1 failed"
	exit 1
fi

status=0
NOTIFY_BASE_URL="$addr" node check.js | tee "$tmp/check.out" || status=$?
if [ "$status" -ne 0 ]; then
	echo "--- server log (last 20 lines)"
	tail -n 20 "$tmp/server.log"
	echo "---"
	tail -n 1 "$tmp/check.out"
fi
exit "$status"
