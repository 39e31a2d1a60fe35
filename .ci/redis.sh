#!/usr/bin/env bash
# redis.sh starts or stops a throwaway Redis server for tests.
#
#   .ci/redis.sh start DIR PORT   install redis-server if it is missing, start it
#                                 daemonized on 127.0.0.1:PORT with no persistence,
#                                 wait until it answers PING, print its address
#   .ci/redis.sh stop DIR         stop the server started on DIR (by its pid file)
#
# DIR holds the server's pid file, log and working directory. Installing needs
# root on Debian (apt-get); nothing is installed when redis-server is on PATH.
set -euo pipefail

usage() {
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$(realpath -m "$2")
pidfile="$dir/redis.pid"
logfile="$dir/redis.log"

case "$cmd" in
start)
	[ $# -eq 3 ] || usage
	port=$3
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "redis.sh: installing redis-server" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update >/dev/null
		apt-get install -y redis-server >/dev/null
	fi
	mkdir -p "$dir"
	redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
		--daemonize yes --pidfile "$pidfile" --logfile "$logfile" --dir "$dir" \
		--save "" --appendonly no >/dev/null
	cli=(redis-cli -h 127.0.0.1 -p "$port")
	for _ in $(seq 1 100); do
		if [ "$("${cli[@]}" ping 2>/dev/null)" = PONG ]; then
			echo "127.0.0.1:$port"
			exit 0
		fi
		sleep 0.1
	done
	echo "redis.sh: server did not answer PING; log: $logfile" >&2
	exit 1
	;;
stop)
	[ $# -eq 2 ] || usage
	if [ -f "$pidfile" ]; then
		pid=$(cat "$pidfile")
		if kill "$pid" 2>/dev/null; then
			for _ in $(seq 1 100); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
		rm -f "$pidfile"
	fi
	;;
*)
	usage
	;;
esac
