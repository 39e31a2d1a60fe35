#!/usr/bin/env bash
# bench/run.sh: the throughput benchmark of cmd/notifyd, against the database's
# own single-row insert rate measured in the same run (see bench/README.md).
#
#   bench/run.sh [-c CLIENTS] [-d SECONDS] [-w SECONDS] [-n RUNS] [-C CONFIGS]
#
# On loopback, in a temp dir, with non-default ports, it starts PostgreSQL 15
# (.ci/postgres.sh) and Redis (.ci/redis.sh), builds cmd/notifyd and bench/*,
# and for each run and configuration:
#   all     notifyd -role all -postgres -redis: pgbench, then the load, then the drain
#   api     notifyd -role api -postgres -redis: pgbench, then the load; a -role worker
#           process starts when the load ends and the drain is timed
#   split   -role api and -role worker side by side during the load (not in the default set)
#   sqlite  notifyd on SQLite (the default deployment): the load, the drain, then
#           bench/sqliteinsert on the same file as the reference
#   floor   bench/floor, the HTTP floor (JWT check and JSON decode only): the load
#   storefloor  bench/floor -postgres -redis, the storing floor: the HTTP floor plus,
#           for each request, its row inserted in a statement of its own and its id
#           added to a Redis stream (no rule of the domain): pgbench, then the load
# Each configuration gets a fresh database. Everything started is stopped at
# exit; every step is bounded in time. BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

clients=8
duration=15
warmup=2
runs=1
configs=all,api,sqlite
usage() {
	cat >&2 <<EOF
usage: bench/run.sh [-c CLIENTS] [-d SECONDS] [-w SECONDS] [-n RUNS] [-C CONFIGS]
  -c CLIENTS  clients of the loader, of pgbench and of sqliteinsert ($clients)
  -d SECONDS  measured duration of each load, pgbench and sqliteinsert ($duration)
  -w SECONDS  warm-up of the loader, not counted ($warmup)
  -n RUNS     runs of every configuration ($runs)
  -C CONFIGS  comma-separated, run in this order: all, api, split, sqlite, floor, storefloor ($configs)
environment:
  BENCH_KEEP=1          keep the temp dir (logs, databases, result lines)
  BENCH_PORT_BASE=N     ports N+1 .. N+5 on 127.0.0.1 (31400: below the ephemeral range, so that no outgoing connection holds one)
  BENCH_DRAIN_TIMEOUT=S give up waiting for the drain after S seconds (300)
  BENCH_OUT=FILE        also append the result lines to FILE
  BENCH_PERF=1          record the server's CPU profile during each load with perf (needs
                        BENCH_KEEP=1 to read it: perf.txt in the configuration's directory)
  BENCH_SERVER_FLAGS=…  extra flags for every notifyd started (e.g. "-workers 1 -batch 64")
EOF
	exit 2
}
while getopts "c:d:w:n:C:h" opt; do
	case $opt in
	c) clients=$OPTARG ;;
	d) duration=$OPTARG ;;
	w) warmup=$OPTARG ;;
	n) runs=$OPTARG ;;
	C) configs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for v in "$clients" "$duration" "$warmup" "$runs"; do
	[[ $v =~ ^[0-9]+$ ]] || usage
done
[ "$clients" -gt 0 ] && [ "$duration" -gt 0 ] && [ "$runs" -gt 0 ] || usage
IFS=, read -r -a config_list <<<"$configs"
need_pg=0
for c in "${config_list[@]}"; do
	case $c in
	all | api | split | storefloor) need_pg=1 ;;
	sqlite | floor) ;;
	*) echo "bench: unknown configuration $c" >&2; usage ;;
	esac
done

base=${BENCH_PORT_BASE:-31400}
pg_port=$((base + 1)) redis_port=$((base + 2)) api_port=$((base + 3)) worker_port=$((base + 4)) floor_port=$((base + 5))
drain_timeout=${BENCH_DRAIN_TIMEOUT:-300}

# The seeded service: live (not restricted), a daily limit and a rate limit no run reaches,
# a live key and an SMS template (and an email one for -channel email).
service=b0000000-0000-4000-8000-000000000001
key_id=b0000000-0000-4000-8000-0000000000a1
secret=b0000000-0000-4000-8000-0000000000f1
sms_template=b0000000-0000-4000-8000-0000000000c1
email_template=b0000000-0000-4000-8000-0000000000c2
recipient="07700 900123"
secret_key=bench-secret-key-not-for-production

tmp=$(mktemp -d /tmp/notify-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
pg_started=0
redis_started=0
cleanup() {
	local rc=$?
	set +e
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	if [ "$redis_started" = 1 ]; then .ci/redis.sh stop "$tmp/redis" >/dev/null 2>&1; fi
	if [ "$pg_started" = 1 ]; then .ci/postgres.sh stop "$tmp/pg" >/dev/null 2>&1; fi
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,; }

# running_ours says whether process $1 is still running one of the binaries
# built here (a pid of ours that ended may since have been reused).
running_ours() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in "$tmp/bin/"*) return 0 ;; *) return 1 ;; esac
}

# stop_pid stops a process this script started: SIGTERM, then SIGKILL after 15 s.
stop_pid() {
	local pid=$1
	running_ours "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 150); do
		running_ours "$pid" || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	running_ours "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# port_free fails when something already answers on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ready waits (60 s at most) until GET /_status on port $2 answers 200;
# $1 is the process's pid and $3 its log.
wait_ready() {
	local pid=$1 port=$2 logfile=$3
	for _ in $(seq 600); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "process $pid exited during start-up; its log:"
			tail -20 "$logfile" >&2
			return 1
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$port" &&
			printf 'GET /_status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
			timeout 2 head -1 <&3 | grep -q ' 200 ') 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	log "process $pid not ready after 60 s; its log:"
	tail -20 "$logfile" >&2
	return 1
}

# CPU accounting, to tell how much of the machine other work took during a
# measurement: the machine's busy ticks (/proc/stat) minus the ticks of this
# benchmark's running processes (the servers, PostgreSQL's processes, Redis),
# with their children that ended (the postmaster's cutime and cstime hold
# pgbench's backends), and the CPU time of the commands it ran meanwhile (the
# loader, pgbench, sqliteinsert: bash's `times`, which counts children once
# they are waited for).
clk_tck=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# pid_ticks prints the CPU ticks of process $1 with its children that ended
# (utime stime cutime cstime), 0 when it is gone.
pid_ticks() {
	local f
	f=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	set -- $f
	echo $((${12} + ${13} + ${14} + ${15}))
}
# part_ticks prints the ticks of the servers, of PostgreSQL's processes and
# of Redis, as "servers pg redis".
part_ticks() {
	local pid srv=0 pg=0 rd=0 pm
	for pid in "${pids[@]}"; do
		if running_ours "$pid"; then srv=$((srv + $(pid_ticks "$pid"))); fi
	done
	if [ -f "$tmp/pg/postmaster.pid" ]; then
		pm=$(head -1 "$tmp/pg/postmaster.pid")
		for pid in $pm $(ps -o pid= --ppid "$pm" 2>/dev/null || true); do pg=$((pg + $(pid_ticks "$pid"))); done
	fi
	if [ -f "$tmp/redis/redis.pid" ]; then rd=$(pid_ticks "$(cat "$tmp/redis/redis.pid")"); fi
	echo "$srv $pg $rd"
}
# sum_ticks prints the sum of the ticks part_ticks printed ($1).
sum_ticks() { awk '{ print $1 + $2 + $3 }' <<<"$1"; }
# children_seconds prints the user+system seconds of this shell's waited-for
# children as of the last `times >"$tmp/times"`, which must run in this shell
# itself: a subshell counts only its own children.
children_seconds() {
	tail -1 "$tmp/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }'
}
# cpu_mark starts an interval; cpu_others sets cpu_result to the CPUs' worth
# of other work on the machine since the mark. Call both directly, not in $().
cpu_mark() {
	times >"$tmp/times"
	cpu_c0=$(children_seconds)
	cpu_m0=$(machine_ticks) cpu_p0=$(part_ticks) cpu_t0=$(date +%s.%N)
	cpu_o0=$(sum_ticks "$cpu_p0")
}
cpu_others() {
	local m1 o1 t1 c1
	m1=$(machine_ticks) p1=$(part_ticks) t1=$(date +%s.%N)
	o1=$(sum_ticks "$p1")
	times >"$tmp/times"
	c1=$(children_seconds)
	# The CPU seconds of each part over the interval: servers, PostgreSQL,
	# Redis, and the commands this shell ran (the loader, pgbench, ...).
	cpu_parts=$(awk -v a="$cpu_p0" -v b="$p1" -v c0="$cpu_c0" -v c1="$c1" -v hz="$clk_tck" \
		'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.3f %.3f %.3f %.3f", (y[1] - x[1]) / hz, (y[2] - x[2]) / hz, (y[3] - x[3]) / hz, c1 - c0 }')
	cpu_result=$(awk -v m=$((m1 - cpu_m0)) -v o=$((o1 - cpu_o0)) -v c0="$cpu_c0" -v c1="$c1" -v hz="$clk_tck" \
		-v t0="$cpu_t0" -v t1="$t1" \
		'BEGIN { v = ((m - o) / hz - (c1 - c0)) / (t1 - t0); if (v < 0) v = 0; printf "%.2f", v }')
}

# kv prints the value of key $2 in the key=value line $1 ("" when absent).
kv() { grep -o "\(^\| \)$2=[^ ]*" <<<"$1" | head -1 | cut -d= -f2- || true; }

# ratio prints $1 / $2 with 3 decimals, or - when either is missing or zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.3f", a / b }'; }

for p in $pg_port $redis_port $api_port $worker_port $floor_port; do
	port_free "$p" || { echo "bench: port $p is in use (set BENCH_PORT_BASE)" >&2; exit 1; }
done

log "temp dir $tmp; clients $clients, duration ${duration}s, warm-up ${warmup}s, runs $runs, configurations $configs"
log "building cmd/notifyd and bench/... (load average $(loadavg))"
mkdir -p "$tmp/bin"
timeout 900 go build -o "$tmp/bin/" ./cmd/notifyd ./bench/load ./bench/drain ./bench/floor ./bench/sqliteinsert
bin=$tmp/bin

cat >"$tmp/seed.json" <<EOF
{"services": [{
  "id": "$service", "name": "Bench live", "restricted": false, "message_limit": 100000000, "rate_limit": 100000000,
  "permissions": ["sms", "email"],
  "api_keys": [{"id": "$key_id", "name": "bench", "key_type": "normal", "secret": "$secret"}],
  "templates": [
    {"id": "$sms_template", "type": "sms", "name": "Bench code", "content": "Your code is ((code))"},
    {"id": "$email_template", "type": "email", "name": "Bench email", "subject": "Your code",
     "content": "Your code is ((code))"}]
}]}
EOF

# One row as the server writes it for this template, in autocommit: the
# database's durable single-row insert rate.
cat >"$tmp/insert.sql" <<EOF
INSERT INTO bench_notifications (id, service_id, template_id, template_version, api_key_id, key_type,
  notification_type, recipient, normalised_recipient, client_reference, personalisation, body, subject,
  sender, reply_to, unsubscribe_url, status, queue, international, phone_prefix, rate_multiplier,
  billable_units, sent_by, sent_at, provider_reference, job_id, job_row_number, claimed_until,
  delivery_attempts, created_at, updated_at)
VALUES (gen_random_uuid(), '$service', '$sms_template', 1, '$key_id', 'normal', 'sms', '$recipient',
  '447700900123', NULL, '{"code":"123456"}', 'Your code is 123456', '', 'notify', '', NULL, 'created',
  'send-sms', false, '44', 1, 1, '', NULL, NULL, NULL, NULL, NULL, 0, now(), NULL);
EOF

if [ "$need_pg" = 1 ]; then
	pg_bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r | head -1)}
	[ -x "$pg_bindir/pgbench" ] || { echo "bench: no pgbench in $pg_bindir (set PG_BINDIR)" >&2; exit 1; }
	log "starting PostgreSQL on 127.0.0.1:$pg_port"
	pg_started=1
	pg_dsn=$(timeout 180 .ci/postgres.sh start "$tmp/pg" "$pg_port")
	log "starting Redis on 127.0.0.1:$redis_port"
	redis_started=1
	redis_addr=$(timeout 300 .ci/redis.sh start "$tmp/redis" "$redis_port")
fi

# dsn_for prints the DSN of database $1 on the benchmark's PostgreSQL.
dsn_for() { sed "s#/notify_test?#/$1?#" <<<"$pg_dsn"; }
psql_do() { PGOPTIONS="-c client_min_messages=warning" timeout 120 "$pg_bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# start_server starts notifyd with the arguments given, records its pid in
# server_pid and waits until it is ready.
start_server() {
	local name=$1 port=$2
	shift 2
	# shellcheck disable=SC2086 # BENCH_SERVER_FLAGS is split into flags on purpose
	"$bin/notifyd" -addr "127.0.0.1:$port" -seed "$tmp/seed.json" -secret-key "$secret_key" "$@" ${BENCH_SERVER_FLAGS:-} \
		>"$dir/$name.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
	wait_ready "$server_pid" "$port" "$dir/$name.log"
}

# load_floor starts bench/floor with the arguments given, runs the load
# against it and stops it.
load_floor() {
	"$bin/floor" -addr "127.0.0.1:$floor_port" -service "$service" -secret "$secret" "$@" >"$dir/floor.log" 2>&1 &
	server_pid=$!
	pids+=("$server_pid")
	wait_ready "$server_pid" "$floor_port" "$dir/floor.log"
	run_load "$floor_port"
	stop_pid "$server_pid"
}

# run_pgbench measures the single-row insert rate into a copy of the
# server's notifications table (made after its migrations ran), then drops
# the copy and checkpoints so that the load starts clean.
run_pgbench() {
	local dsn=$1 out=$dir/pgbench.out
	psql_do "$dsn" -c "DROP TABLE IF EXISTS bench_notifications" \
		-c "CREATE TABLE bench_notifications (LIKE notifications INCLUDING ALL)"
	cpu_mark
	timeout $((duration + 120)) "$pg_bindir/pgbench" -n -M prepared -c "$clients" -j "$(( clients < 2 ? clients : 2 ))" \
		-T "$duration" -f "$tmp/insert.sql" "$dsn" >"$out" 2>&1 || { log "pgbench failed:"; cat "$out" >&2; return 1; }
	sleep 0.5 # pgbench's backends have exited: let the postmaster reap them (their CPU time goes to its cutime)
	cpu_others
	ref_others=$cpu_result
	psql_do "$dsn" -c "DROP TABLE bench_notifications" -c "CHECKPOINT"
	pgbench_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1 | awk '{ printf "%.1f", $1 }')
}

# run_load runs the loader against port $1 and leaves its last line in load_line.
run_load() {
	local port=$1 perf_pid=
	if [ -n "${BENCH_PERF:-}" ] && [ -n "$server_pid" ]; then
		perf record -q -F 499 -g -p "$server_pid" -o "$dir/perf.data" -- sleep $((warmup + duration)) \
			>"$dir/perf.log" 2>&1 &
		perf_pid=$!
	fi
	cpu_mark
	timeout $((warmup + duration + 120)) "$bin/load" -url "http://127.0.0.1:$port" -service "$service" \
		-secret "$secret" -template "$sms_template" -to "$recipient" -c "$clients" -d "${duration}s" \
		-warmup "${warmup}s" -label "$config" >"$dir/load.out" 2>&1 || true
	cpu_others
	others_cpus=$cpu_result
	load_parts=$cpu_parts
	if [ -n "$perf_pid" ]; then
		wait "$perf_pid" || true
		timeout 300 perf report -i "$dir/perf.data" --stdio --no-children -g none --sort symbol \
			--percent-limit 0.3 >"$dir/perf.txt" 2>/dev/null || true
		timeout 300 perf report -i "$dir/perf.data" --stdio --children -g none --sort symbol --percent-limit 2 \
			>"$dir/perf_cumulative.txt" 2>/dev/null || true
	fi
	cat "$dir/load.out" >&2
	load_line=$(tail -1 "$dir/load.out")
	[ -n "$(kv "$load_line" requests)" ] || { log "the loader gave no result"; return 1; }
	log "others on the machine during the load: $others_cpus CPUs of $(nproc)"
}

# run_drain waits for every notification to be final ($@: -postgres DSN or
# -sqlite FILE) and leaves its last line in drain_line.
run_drain() {
	timeout $((drain_timeout + 60)) "$bin/drain" "$@" -load-start-ms "$(kv "$load_line" start_unix_ms)" \
		-load-end-ms "$(kv "$load_line" end_unix_ms)" -timeout "${drain_timeout}s" >"$dir/drain.out" 2>&1 || true
	cat "$dir/drain.out" >&2
	drain_line=$(tail -1 "$dir/drain.out")
}

results=$tmp/results.txt
: >"$results"
# record appends one result line and prints it.
# cpu_per_send prints the CPU microseconds each part spent per request the
# loader sent (warm-up included, as the CPU interval is) from the parts $1
# ("servers pg redis loader" seconds) and the requests sent $2.
cpu_per_send() {
	awk -v p="$1" -v n="$2" 'BEGIN {
		split(p, x, " ")
		if (n + 0 == 0 || length(x) < 4) { print "cpu_us_server=- cpu_us_pg=- cpu_us_redis=- cpu_us_loader=-"; exit }
		printf "cpu_us_server=%.0f cpu_us_pg=%.0f cpu_us_redis=%.0f cpu_us_loader=%.0f", x[1] * 1e6 / n, x[2] * 1e6 / n, x[3] * 1e6 / n, x[4] * 1e6 / n }'
}

record() {
	local line
	line="config=$config run=$run clients=$clients duration_s=$duration"
	line+=" sends_per_s=$(kv "$load_line" sends_per_s) ref=$ref ref_per_s=${ref_rate:--} eta=$(ratio "$(kv "$load_line" sends_per_s)" "$ref_rate")"
	line+=" p50_ms=$(kv "$load_line" p50_ms) p95_ms=$(kv "$load_line" p95_ms) p99_ms=$(kv "$load_line" p99_ms)"
	line+=" requests=$(kv "$load_line" requests) ok=$(kv "$load_line" ok) codes=$(kv "$load_line" codes)"
	if [ -n "$drain_line" ]; then
		line+=" drain_s=$(kv "$drain_line" drain_s) final_per_s=$(kv "$drain_line" final_per_s)"
		line+=" drain_per_s=$(kv "$drain_line" drain_per_s) stored=$(kv "$drain_line" total)"
		line+=" final=$(kv "$drain_line" final) drain_timed_out=$(kv "$drain_line" timed_out)"
	else
		line+=" drain_s=- final_per_s=- drain_per_s=- stored=- final=- drain_timed_out=-"
	fi
	line+=" load_before=$load_before load_end=$(kv "$load_line" loadavg) others_cpus=$others_cpus ref_others_cpus=$ref_others"
	line+=" $(cpu_per_send "$load_parts" "$(kv "$load_line" sent)")"
	echo "$line" >>"$results"
	if [ -n "${BENCH_OUT:-}" ]; then echo "$line" >>"$BENCH_OUT"; fi
	echo "RESULT $line"
}

for run in $(seq "$runs"); do
	for config in "${config_list[@]}"; do
		dir=$tmp/run$run-$config
		mkdir -p "$dir"
		load_before=$(loadavg)
		log "run $run, $config (load average $load_before)"
		load_line= drain_line= ref=- ref_rate= server_pid= others_cpus=- ref_others=- load_parts=-
		case $config in
		all | api | split)
			db=bench_r${run}_$config
			psql_do "$pg_dsn" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
			dsn=$(dsn_for "$db")
			timeout 30 redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
			role=$config
			[ "$config" = split ] && role=api
			start_server "$role" "$api_port" -postgres "$dsn" -redis "$redis_addr" -role "$role"
			api_pid=$server_pid
			worker_pid=
			if [ "$config" = split ]; then
				start_server worker "$worker_port" -postgres "$dsn" -redis "$redis_addr" -role worker
				worker_pid=$server_pid
			fi
			log "pgbench: $clients clients, ${duration}s"
			run_pgbench "$dsn"
			ref=pgbench ref_rate=$pgbench_tps
			log "pgbench: $pgbench_tps tps; others on the machine meanwhile: $ref_others CPUs; load average $(loadavg)"
			run_load "$api_port"
			if [ "$config" = api ]; then
				start_server worker "$worker_port" -postgres "$dsn" -redis "$redis_addr" -role worker
				worker_pid=$server_pid
			fi
			run_drain -postgres "$dsn"
			stop_pid "$api_pid"
			[ -z "$worker_pid" ] || stop_pid "$worker_pid"
			record
			psql_do "$pg_dsn" -c "DROP DATABASE IF EXISTS $db"
			;;
		sqlite)
			start_server sqlite "$api_port" -db "$dir/notify.db"
			run_load "$api_port"
			run_drain -sqlite "$dir/notify.db"
			stop_pid "$server_pid"
			log "sqliteinsert: $clients clients, ${duration}s"
			cpu_mark
			timeout $((duration + 120)) "$bin/sqliteinsert" -db "$dir/notify.db" -c "$clients" -d "${duration}s" \
				>"$dir/sqliteinsert.out" 2>&1 || true
			cpu_others
			ref_others=$cpu_result
			cat "$dir/sqliteinsert.out" >&2
			ref=sqliteinsert ref_rate=$(kv "$(tail -1 "$dir/sqliteinsert.out")" inserts_per_s)
			record
			;;
		storefloor)
			db=bench_r${run}_$config
			psql_do "$pg_dsn" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
			dsn=$(dsn_for "$db")
			timeout 30 redis-cli -h 127.0.0.1 -p "$redis_port" flushall >/dev/null
			# notifyd's migrations make the notifications table the floor writes to.
			start_server migrate "$api_port" -postgres "$dsn" -redis "$redis_addr" -role api
			stop_pid "$server_pid"
			log "pgbench: $clients clients, ${duration}s"
			run_pgbench "$dsn"
			ref=pgbench ref_rate=$pgbench_tps
			log "pgbench: $pgbench_tps tps; others on the machine meanwhile: $ref_others CPUs; load average $(loadavg)"
			load_floor -key "$key_id" -postgres "$dsn" -redis "$redis_addr"
			record
			psql_do "$pg_dsn" -c "DROP DATABASE IF EXISTS $db"
			;;
		floor)
			load_floor
			record
			;;
		esac
	done
done

# The summary: one row per result, then the median of each configuration.
{
	echo
	echo "== results ($clients clients, ${duration}s measured after ${warmup}s warm-up; $(nproc) CPUs; load average now $(loadavg))"
	printf '%-10s %3s %9s %-12s %9s %6s %8s %8s %8s %8s %8s %9s %15s %15s %7s %10s\n' \
		config run sends/s reference ref/s eta p50_ms p95_ms p99_ms drain_s drain/s final/s load_before load_end others ref_others
	while read -r line; do
		printf '%-10s %3s %9s %-12s %9s %6s %8s %8s %8s %8s %8s %9s %15s %15s %7s %10s\n' \
			"$(kv "$line" config)" "$(kv "$line" run)" "$(kv "$line" sends_per_s)" "$(kv "$line" ref)" \
			"$(kv "$line" ref_per_s)" "$(kv "$line" eta)" "$(kv "$line" p50_ms)" "$(kv "$line" p95_ms)" \
			"$(kv "$line" p99_ms)" "$(kv "$line" drain_s)" "$(kv "$line" drain_per_s)" "$(kv "$line" final_per_s)" \
			"$(kv "$line" load_before)" "$(kv "$line" load_end)" "$(kv "$line" others_cpus)" \
			"$(kv "$line" ref_others_cpus)"
	done <"$results"
	if [ "$runs" -gt 1 ]; then
		echo "medians:"
		for config in "${config_list[@]}"; do
			med() { grep "^config=$config " "$results" | while read -r l; do kv "$l" "$1"; done | grep -v '^-$' | sort -g |
				awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
			printf '  %-10s sends/s %s  eta %s  p99_ms %s  drain_s %s  final/s %s\n' "$config" \
				"$(med sends_per_s)" "$(med eta)" "$(med p99_ms)" "$(med drain_s)" "$(med final_per_s)"
		done
	fi
}
