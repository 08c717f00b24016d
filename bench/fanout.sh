#!/usr/bin/env bash
# Fan-out benchmark (issue 8): N agents, each in its own network namespace, fetch one model from an
# s3proxy origin whose egress is limited by tc; once as a swarm (peers + a tracker handing out
# origin leases) and once with every node straight from the origin (no --listen, no tracker), in
# the same run. Two workloads per N, each on a model of its own (so the first cannot warm the
# second): all nodes `modelfs pull` at once; all nodes `sha256sum` the same file through their
# mounts at once. Prints one Markdown table.
#
#   bench/fanout.sh [-n "1 4 8 16"] [-s MODEL_MIB] [-r ORIGIN_RATE] [-x AGENT_XMX] [-c CHUNK]
#
#   -n  node counts (default "1 4 8 16")   -s  model size in MiB (default 512)
#   -r  tc rate of the origin's egress (default 800mbit = 100 MB/s)
#   -x  agent -Xmx (default 512m; agents run with -XX:+UseSerialGC)   -c  chunk size (default 8MiB)
#   -j  the modelfs jar (default agent/target/modelfs.jar; copied, so a rebuild cannot disturb a run)
#   -m  modes to run per N (default "direct swarm")
#   -k  keep every agent's, the tracker's and s3proxy's log in this directory (default: removed)
#   -w  the agents' --warmup (default: the agent's own default; 0 turns the start-up warm-ups off)
#   env WARM_END=REGEX  the agent log line that says its start-up warm-ups are over (default: the line
#                       AgentCommand logs when they all ended); the clock waits for it in every agent's log
#   env TRACKER_RT=1  run the tracker in the real-time class (chrt --rr 1)
#   env LEASE_TIMING=1  agents log each LEASE call's round trip and the tracker each LEASE's handling time
#                       (DEBUG lines "answered in N ms" / "answered in N us"; with -k to keep them)
#   env THREADS=1  also print the agents' CPU seconds per thread group during each workload (from
#                  /proc/PID/task/*/stat, summed over the agents; threads that ended mid-workload are missed)
#   env PERF=PREFIX  `perf record -a -g` (system-wide, call graphs, PERF_HZ samples/s, default 499) during each
#                  workload only, into PREFIX-<mode><N>-<pull|read>.data (read with `perf report --comm` per thread
#                  group); it costs the run a few per cent of CPU, so do not compare its times with a run without it
#   env AGENT_OPTS="..."  more JVM options for the agents (e.g. a JFR recording, -XX:+PreserveFramePointer)
#   env DIRECT_MAX_N=N  run the straight-from-origin mode only for node counts up to N (e.g. 1 with -r 80mbit,
#                       where direct N = 16 would take 16 x 54 s; estimate it from the link instead)
#
# Columns: wall = from the start signal until every node holds (pull) or has hashed (read) the
# whole model; origin = bytes the origin's veth sent during the workload / model size (counted on
# the link with the kernel's tx_bytes, so it includes HTTP and TCP overhead); rss = the highest
# peak RSS (VmHWM) of any agent over both workloads. Agents are up, connected and idle before the
# clock starts; they run at nice 10, the tracker and the origin at 0. Everything (namespaces, veths,
# mounts, processes, files) is removed on exit.
#
# Needs root, iproute2, nsenter, curl, python3, java, agent/target/modelfs.jar and the resolved
# origin-adapters test classpath (for s3proxy). Agents start with `nsenter --net` (not `ip netns
# exec`, whose private mount namespace would hide their FUSE mounts). The structure follows
# deploy/local/cluster.sh (hub namespace with a bridge, one veth per node).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
jar=$root/agent/target/modelfs.jar
counts="1 4 8 16" size=512 rate=800mbit xmx=512m chunk=8MiB modes="direct swarm" keep="" warmup_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -n) counts=$2; shift 2 ;;
    -s) size=$2; shift 2 ;;
    -r) rate=$2; shift 2 ;;
    -x) xmx=$2; shift 2 ;;
    -c) chunk=$2; shift 2 ;;
    -j) jar=$(readlink -f "$2"); shift 2 ;;
    -m) modes=$2; shift 2 ;;
    -k) keep=$2; shift 2 ;;
    -w) warmup_args=(--warmup "$2"); shift 2 ;;
    *) echo "fanout.sh: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "fanout.sh: needs root (network namespaces, FUSE, tc)" >&2; exit 2; }
[ -f "$jar" ] || { echo "fanout.sh: $jar is missing; build the agent first" >&2; exit 2; }

prefix=fo$$
work=$(mktemp -d /tmp/modelfs-fanout.XXXXXX)
cp "$jar" "$work/modelfs.jar" && jar=$work/modelfs.jar # a rebuild during the run must not pull it away
hub=${prefix}hub
namespaces=() pids=() mounts=()
# Agents and the origin keep the C2 compiler: with -XX:TieredStopAtLevel=1 (C1 only) SHA-256 loses its
# intrinsic and runs ~10x slower (measured 20-25 vs 150-240 MB/s on this machine under load), which made
# 16 agents hashing 512 MiB each CPU-bound. Short-lived CLI processes (import, pull, the tracker) keep C1.
java_opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1)
agent_opts=(-XX:+UseSerialGC)
extra_agent_opts=()
[ -z "${AGENT_OPTS:-}" ] || read -r -a extra_agent_opts <<<"$AGENT_OPTS"
if [ "${LEASE_TIMING:-0}" = 1 ]; then
  cat >"$work/logback-lease-timing.xml" <<'EOF'
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg%replace( %mdc){'^ $', ''}%n</pattern></encoder>
  </appender>
  <logger name="org.apache.ratis" level="WARN"/>
  <logger name="org.apache.ratis.client.impl.OrderedAsync" level="OFF"/>
  <logger name="io.modelfs.agent.FetchDriver" level="DEBUG"/>
  <logger name="io.modelfs.tracker.TrackerStateMachine" level="DEBUG"/>
  <root level="INFO"><appender-ref ref="STDERR"/></root>
</configuration>
EOF
  java_opts+=(-Dlogback.configurationFile="$work/logback-lease-timing.xml")
  agent_opts+=(-Dlogback.configurationFile="$work/logback-lease-timing.xml")
fi

stop_pids() {
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
unmount_below() { # every mount under DIR, deepest first: an agent killed mid-start can leave its warm-up's mount
  awk -v p="$1/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    fusermount -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
teardown() {
  set +e
  stop_pids "${pids[@]}"
  for m in "${mounts[@]}"; do mountpoint -q "$m" && { fusermount -u -z "$m" 2>/dev/null || umount -l "$m"; }; done
  unmount_below "$work"
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [ -z "$keep" ] || { mkdir -p "$keep"; cp "$work"/*.log "$keep"/ 2>/dev/null; }
  rm -rf "$work" "${tracker_data:-}"
}
trap teardown EXIT
trap 'exit 130' INT TERM

addr() { echo "10.232.0.$1"; }
node() { # node NAME OCTET: a namespace on the hub's bridge as eth0
  local ns=$prefix$1 ip
  ip=$(addr "$2")
  ip netns add "$ns"; namespaces+=("$ns")
  ip link add "${prefix}v$2" type veth peer name "${prefix}p$2"
  ip link set "${prefix}v$2" netns "$hub"
  ip link set "${prefix}p$2" netns "$ns"
  ip -n "$hub" link set "${prefix}v$2" master br0 up
  ip -n "$ns" link set "${prefix}p$2" name eth0
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
}
in_ns() { local ns=$prefix$1; shift; nsenter --net="/var/run/netns/$ns" "$@"; }
# Niceness: the tracker and the origin run at 0 and the agents at 10, since in a fleet the tracker and
# the bucket run on machines of their own. It does not stop LEASE timeouts at N = 16 on 2 cores: they
# stay even with the tracker in the real-time class (TRACKER_RT=1, 2026-11-28 09:23), so the time is
# lost on the agents' side (docs/BENCHMARKS.md, issue 8).
spawn() { # [NICE=n] spawn NAME LOG CMD...: in the background in NAME's namespace; $! is CMD (nsenter execs)
  local ns=$prefix$1 log=$2; shift 2
  nice -n "${NICE:-10}" nsenter --net="/var/run/netns/$ns" "$@" >"$log" 2>&1 &
  pids+=($!)
  last_pid=$!
}
wait_for() { # wait_for WHAT SECONDS TEST...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" && return 0; sleep 0.2; done
  echo "fanout.sh: $what did not come up in ${secs}s" >&2; return 1
}
# /proc/net/dev follows the reader's network namespace (sysfs would show the host's devices).
origin_tx() { in_ns origin awk '/eth0:/{sub(/.*:/, ""); print $9}' /proc/net/dev; }
now() { date +%s.%N; }

ip netns add "$hub"; namespaces+=("$hub")
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up

# The origin: s3proxy over jclouds' filesystem blobstore, egress shaped to $rate.
cp_file=$root/origin-adapters/target/fanout.classpath
if [ ! -s "$cp_file" ]; then
  mvn -B -q -f "$root/origin-adapters/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp_file" \
    -Dmdep.includeScope=test >/dev/null
fi
node origin 2
in_ns origin tc qdisc add dev eth0 root tbf rate "$rate" burst 1mb latency 100ms
mkdir -p "$work/blobs"
# s3proxy logs through logback, which without a configuration logs DEBUG (hex dumps of every 8 KiB
# buffer: hundreds of MB per run, and the origin CPU-bound on it); WARN is enough here.
cat >"$work/s3proxy-logback.xml" <<EOF
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder></appender>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
EOF
cat >"$work/s3proxy.conf" <<EOF
s3proxy.endpoint=http://$(addr 2):8080
s3proxy.authorization=none
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/blobs
jclouds.identity=local
jclouds.credential=local
EOF
NICE=0 spawn origin "$work/s3proxy.log" java -Xmx512m "${agent_opts[@]}" -Dlogback.configurationFile="$work/s3proxy-logback.xml" -cp "$(cat "$cp_file")" org.gaul.s3proxy.Main \
  --properties "$work/s3proxy.conf"
wait_for "s3proxy (log: $work/s3proxy.log)" 90 in_ns origin curl -sf -o /dev/null "http://$(addr 2):8080/" \
  || { tail -20 "$work/s3proxy.log" >&2; exit 1; }
in_ns origin curl -sf -X PUT "http://$(addr 2):8080/models" >/dev/null
cat >"$work/origin.properties" <<EOF
origin.bench.prefix=s3://models/
origin.bench.endpoint=http://$(addr 2):8080
origin.bench.region=us-east-1
origin.bench.credentials=anonymous
origin.bench.path-style=true
origin.bench.checksums=when-required
EOF

# One tracker for every swarm run (the imports publish the manifests to it). Each run's agents
# have node ids of their own, and a direct run (> 30 s = 3 lease TTLs for N >= 4) separates two
# swarm runs, so the tracker has forgotten the previous run's nodes and holdings.
node t 5
# The tracker's Raft log lives in memory (/dev/shm): in a fleet it has a disk of its own, while here its
# log fsyncs (registrations, heartbeats, reports) would queue behind the agents' chunk writes and fsyncs
# on one disk.
tracker_data=$(mktemp -d /dev/shm/modelfs-fanout-tracker.XXXXXX)
# TRACKER_RT=1: the tracker in the real-time round-robin class (chrt), which tells a tracker starved of
# CPU by 16 agents on 2 cores from one that stalls by itself.
rt=(); [ "${TRACKER_RT:-0}" = 1 ] && rt=(chrt --rr 1)
NICE=0 spawn t "$work/tracker.log" "${rt[@]}" java -Xmx256m "${java_opts[@]}" -jar "$jar" tracker --id t1 \
  --peers "t1=$(addr 5):7300" --data "$tracker_data"
tracker="t1=$(addr 5):7300"
wait_for "the tracker (log: $work/tracker.log)" 300 grep -q "leader is now" "$work/tracker.log" \
  || { tail -20 "$work/tracker.log" >&2; exit 1; }

# Two models of random bytes, uploaded through s3proxy (so it stores their ETags), imported once.
node importer 3
declare -A ref
for m in pull read; do
  python3 "$root/bench/make_safetensors.py" "$work/$m.safetensors" "$size" 64
  in_ns origin curl -sf -T "$work/$m.safetensors" "http://$(addr 2):8080/models/$m/model.safetensors" >/dev/null
  # Up to 3 tries: on a loaded machine the tracker's first durable write (the publish) can outlast
  # the client's 10 s call timeout; importing again is idempotent.
  for _ in 1 2 3; do
    ref[$m]=$(in_ns importer java -Xmx512m "${agent_opts[@]}" -jar "$jar" import "s3://models/$m/" --name "fanout-$m" \
      --chunk-size "$chunk" --manifests "file://$work/manifests/" --config "$work/origin.properties" \
      --tracker "$tracker" 2>"$work/import-$m.log" | tail -n 1) || true
    case ${ref[$m]} in *@sha256:*) break ;; *) ref[$m]=""; echo "fanout.sh: import of $m failed, again" >&2 ;; esac
  done
  [ -n "${ref[$m]}" ] || { tail -20 "$work/import-$m.log" >&2; exit 1; }
done
declare -A sum
sum[read]=$(sha256sum "$work/read.safetensors" | cut -d' ' -f1)
rm -f "$work/pull.safetensors" "$work/read.safetensors"
head -c 32 /dev/urandom | base64 > "$work/swarm.key"
echo "fanout.sh: origin s3proxy at $(addr 2) (egress $rate), models ${ref[pull]} ${ref[read]}" >&2

# run_cluster N MODE: start N agents (MODE swarm|direct), run both workloads, print two table rows.
run_cluster() {
  local n=$1 mode=$2 a ip peers cluster_pids=() agent_pids=() t0 t1 tx0 tx1 rss=0 w
  for a in $(seq 1 "$n"); do
    ip=$(addr $((10 + a)))
    [ -e "/var/run/netns/${prefix}a$a" ] || node "a$a" $((10 + a))
    mkdir -p "$work/$mode$n/a$a/mnt"
    mounts+=("$work/$mode$n/a$a/mnt")
    local swarm_args=()
    if [ "$mode" = swarm ]; then
      peers=""
      for b in $(seq 1 "$n"); do [ "$b" = "$a" ] || peers+="${peers:+,}$(addr $((10 + b))):7071"; done
      swarm_args=(--listen "$ip:7071" --swarm-key-file "$work/swarm.key" --tracker "$tracker")
      [ -z "$peers" ] || swarm_args+=(--peer "$peers")
    fi
    spawn "a$a" "$work/$mode$n/a$a/log" java -Xmx"$xmx" "${agent_opts[@]}" "${extra_agent_opts[@]}" -jar "$jar" agent \
      --mount "$work/$mode$n/a$a/mnt" --store "$work/$mode$n/a$a/store" --manifests "file://$work/manifests/" \
      --config "$work/origin.properties" --control "$work/$mode$n/a$a/agent.sock" --http off --node-id "$mode${n}a$a" \
      "${warmup_args[@]}" "${swarm_args[@]}"
    cluster_pids+=("$last_pid") agent_pids+=("$last_pid")
  done
  for a in $(seq 1 "$n"); do
    # 300 s: 16 agents start at once on 2 cores, each with its start-up warm-ups (135 s for one at load 30, 11:48)
    wait_for "agent a$a (log: $work/$mode$n/a$a/log)" 300 test -S "$work/$mode$n/a$a/agent.sock" \
      || { tail -20 "$work/$mode$n/a$a/log" >&2; return 1; }
  done
  # The clock starts only once every agent's start-up warm-ups are over (issue 8: "agents started and warm before
  # the clock starts"): an agent whose warm-ups outlast its wait for them mounts beside them, and their CPU and JIT
  # work would otherwise land in the first workload.
  if [ "${warmup_args[1]:-}" != 0 ]; then
    local warm_end=${WARM_END:-start-up warm-ups ended} w0
    w0=$(now)
    for a in $(seq 1 "$n"); do
      wait_for "agent a$a's warm-up end ('$warm_end' in $work/$mode$n/a$a/log)" 300 \
        grep -q -e "$warm_end" "$work/$mode$n/a$a/log" || return 1
    done
    echo "fanout.sh: N = $n $mode: every agent's warm-ups over $(awk -v a="$w0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}') s" \
      "after the last control socket appeared" >&2
  fi
  sleep 5 # peers dial each other (every 2 s) and register with the tracker

  for w in pull read; do
    local jobs=() ok=0
    [ -z "${THREADS:-}" ] || threads "${agent_pids[@]}" >"$work/threads.before"
    local perf_pid=
    if [ -n "${PERF:-}" ]; then
      perf record -q -a -g -F "${PERF_HZ:-499}" -o "$PERF-$mode$n-$w.data" >/dev/null 2>&1 & perf_pid=$!
      sleep 1 # perf has opened its events
    fi
    tx0=$(origin_tx); t0=$(now); c0=$(agents_cpu "${agent_pids[@]}")
    for a in $(seq 1 "$n"); do
      if [ $w = pull ]; then
        java -Xmx64m "${java_opts[@]}" -jar "$jar" pull --agent "$work/$mode$n/a$a/agent.sock" "${ref[pull]}" \
          >"$work/$mode$n/a$a/pull.out" 2>&1 &
      else
        (sha256sum "$work/$mode$n/a$a/mnt/${ref[read]}/model.safetensors" | cut -d' ' -f1 \
          >"$work/$mode$n/a$a/read.out") 2>"$work/$mode$n/a$a/read.err" &
      fi
      jobs+=($!)
    done
    for j in "${jobs[@]}"; do wait "$j" && ok=$((ok + 1)) || true; done
    t1=$(now); tx1=$(origin_tx); c1=$(agents_cpu "${agent_pids[@]}")
    [ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    if [ -n "${THREADS:-}" ]; then
      threads "${agent_pids[@]}" >"$work/threads.after"
      echo "fanout.sh: agents' CPU s per thread group, N = $n $mode $w:" >&2
      { thread_cpu "$work/threads.before" "$work/threads.after" | head -25 | tee "$work/threads-$mode$n-$w.log" >&2; } \
        || true # a report, never a reason to stop the run
    fi
    if [ $w = read ]; then
      ok=0
      for a in $(seq 1 "$n"); do [ "$(cat "$work/$mode$n/a$a/read.out" 2>/dev/null)" = "${sum[read]}" ] && ok=$((ok + 1)); done
    fi
    rows+=("$(printf '| %2d | %-6s | %-4s | %7.1f | %5.2f | %s/%s | %6.1f |' "$n" "$mode" "$w" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
      "$(awk -v a="$tx0" -v b="$tx1" -v s="$size" 'BEGIN{print (b-a)/(s*1048576)}')" "$ok" "$n" \
      "$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN{print (b-a)/hz}')")")
    echo "fanout.sh: ${rows[-1]}" >&2
  done
  for p in "${agent_pids[@]}"; do
    local hwm
    hwm=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    [ "${hwm:-0}" -gt "$rss" ] && rss=$hwm
  done
  rss_of["$n-$mode"]=$((rss / 1024))
  stop_pids "${cluster_pids[@]}"
  for a in $(seq 1 "$n"); do
    local m="$work/$mode$n/a$a/mnt"
    mountpoint -q "$m" && { fusermount -u -z "$m" 2>/dev/null || umount -l "$m"; }
  done
  if [ -n "$keep" ]; then
    mkdir -p "$keep"
    for a in $(seq 1 "$n"); do cp "$work/$mode$n/a$a/log" "$keep/$mode$n-a$a.log" 2>/dev/null || true; done
  fi
  unmount_below "$work/$mode$n"
  rm -rf "$work/$mode$n"
}

# threads PID...: "tid name ticks" of every thread (digits dropped from names, so pools group together; a
# thread that ends between the glob and the read makes cat fail, which pipefail must not turn into an exit)
threads() {
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/stat 2>/dev/null || true; done | awk '{ i = index($0, "("); j = length($0)
    while (substr($0, j, 1) != ")") j--
    name = substr($0, i + 1, j - i - 1); gsub(/[0-9 ]/, "", name); split(substr($0, j + 2), f, " ")
    print $1, name, f[12] + f[13] }'
}
# thread_cpu BEFORE AFTER: CPU s per thread group between two `threads` snapshots, largest first
thread_cpu() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $3; next } { d[$2] += $3 - before[$1] }
    END { for (n in d) if (d[n] > 0) printf "%8.2f  %s\n", d[n] / hz, n }' "$1" "$2" | sort -rn
}
# CPU time (user + sys, clock ticks) of the given processes so far; the agents' CPU per workload.
agents_cpu() {
  local total=0 p t
  for p in "$@"; do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

rows=()
declare -A rss_of
for n in $counts; do
  for mode in $modes; do
    # DIRECT_MAX_N: skip the straight-from-origin runs above this N (at a slow origin they take N times as long)
    [ "$mode" = direct ] && [ -n "${DIRECT_MAX_N:-}" ] && [ "$n" -gt "$DIRECT_MAX_N" ] && continue
    run_cluster "$n" "$mode"
  done
done
echo
echo "# $(date -u +%FT%TZ) fanout: ${size} MiB model, $chunk chunks, origin egress $rate, agents -Xmx$xmx ${agent_opts[*]};" \
  "agents at nice 10, tracker and origin at nice 0${rt:+ (tracker real-time)}; agents warm before the clock;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| N | mode | work | wall s | origin / model | nodes ok | agents' CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  n=$(echo "$r" | awk -F'|' '{gsub(/ /,"",$2); print $2}')
  mode=$(echo "$r" | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  echo "$r ${rss_of[$n-$mode]} |"
done
