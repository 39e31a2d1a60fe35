#!/usr/bin/env bash
# postgres.sh starts or stops a throwaway PostgreSQL server for tests.
#
#   .ci/postgres.sh start DATADIR PORT   initdb (if needed), start on 127.0.0.1:PORT,
#                                        create database notify_test, print the DSN
#   .ci/postgres.sh stop DATADIR         stop the server started on DATADIR
#
# Run as root on Debian with the PostgreSQL server packages installed: initdb
# refuses to run as root, so initdb and pg_ctl run as the postgres user on a
# data directory, socket directory and log file that user owns.
set -euo pipefail

usage() {
	echo "usage: $0 start DATADIR PORT | stop DATADIR" >&2
	exit 2
}

find_bindir() {
	if [ -n "${PG_BINDIR:-}" ]; then
		echo "$PG_BINDIR"
		return
	fi
	if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
		pg_config --bindir
		return
	fi
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return
		fi
	done
	echo "postgres.sh: cannot find initdb (set PG_BINDIR)" >&2
	exit 1
}

# as_pg runs a command as the postgres user (or directly when not root).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		su postgres -s /bin/sh -c "$1"
	else
		sh -c "$1"
	fi
}

[ $# -ge 2 ] || usage
cmd=$1
datadir=$(realpath -m "$2")
bindir=$(find_bindir)
sockdir="$datadir.sock"
logfile="$datadir.log"

case "$cmd" in
start)
	[ $# -eq 3 ] || usage
	port=$3
	mkdir -p "$datadir" "$sockdir"
	touch "$logfile"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$datadir" "$sockdir" "$logfile"
		chmod 700 "$datadir"
	fi
	if [ ! -f "$datadir/PG_VERSION" ]; then
		as_pg "'$bindir/initdb' -D '$datadir' -U postgres -A trust -E UTF8 --no-locale" >/dev/null
	fi
	as_pg "'$bindir/pg_ctl' -D '$datadir' -l '$logfile' -w -t 60 \
		-o \"-c listen_addresses=127.0.0.1 -p $port -k '$sockdir'\" start" >/dev/null
	for _ in $(seq 1 60); do
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
			break
		fi
		sleep 0.5
	done
	"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres || {
		echo "postgres.sh: server did not become ready; log: $logfile" >&2
		exit 1
	}
	exists=$("$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'notify_test'")
	if [ "$exists" != 1 ]; then
		"$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE notify_test" >/dev/null
	fi
	echo "postgres://postgres@127.0.0.1:$port/notify_test?sslmode=disable"
	;;
stop)
	[ $# -eq 2 ] || usage
	if [ -f "$datadir/postmaster.pid" ]; then
		as_pg "'$bindir/pg_ctl' -D '$datadir' -m fast -w stop" >/dev/null
	fi
	;;
*)
	usage
	;;
esac
