#!/usr/bin/env bash
# Cold sequential read of one large object in s3proxy (loopback) through the modelfs mount vs
# `rclone mount` (--vfs-cache-mode off), `s3fs` and a single `curl` GET of the same object, in
# the same run; prints a Markdown table. "Cold": a fresh modelfs agent with an empty store,
# fresh rclone/s3fs mounts, and `echo 3 > /proc/sys/vm/drop_caches` before every read. Each
# mount is made and the file stat'ed (for modelfs: the manifest fetched) before the clock starts.
# The agent runs through bin/modelfs (its default JVM options and start-up warm-up, as a user gets).
#
# Usage: [SIZE_MIB=2048] [RUNS=1] [BENCH_DIR=/var/tmp/modelfs-mounters] [READERS="curl rclone s3fs modelfs"]
#        [STORE=$BENCH_DIR/store] [AGENT_FLAGS=...] [MODELFS_JAVA_OPTS=...] [JAR=agent/target/modelfs.jar]
#        [THREADS=1] [PERF=file.data] [SECOND=1] bench/mounters.sh
# SECOND=1 adds a second object of the same size (weights2.bin) and reads it through the same agent
# after the first: cold in the store, but with the agent's JIT warm (what a fresh agent pays on top).
# THREADS=1 also prints the agent's CPU seconds during the read per thread group (from /proc:
# JIT compilers, GC, fetch threads, FUSE workers, ...); threads that ended during the read are missed.
# PERF=file.data records the agent with `perf record -g` during the read (file-2.data: the second; add MODELFS_JAVA_OPTS=
# "-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit" for Java frames).
# CPU s is the reader's user+system CPU time (for curl, curl's own) plus s3proxy's during the
# read: the machine has 2 cores, so CPU per byte is part of the result. MODELFS_JAVA_OPTS goes
# on the agent's java command (e.g. -XX:StartFlightRecording=filename=/tmp/agent.jfr to profile).
# Needs root, /dev/fuse, libfuse2, rclone and s3fs (Debian packages; bin/deps --bench installs
# them). rclone refuses to start while AWS_CA_BUNDLE is set, so it is unset here.
set -euo pipefail
unset AWS_CA_BUNDLE
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-1}
BENCH_DIR=${BENCH_DIR:-/var/tmp/modelfs-mounters}
PORT=${PORT:-19123}
READERS=${READERS:-curl rclone s3fs modelfs}
STORE=${STORE:-$BENCH_DIR/store}
for tool in rclone s3fs curl; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install -y rclone s3fs curl)" >&2; exit 2; }
done
cd "$root"
JAR=${JAR:-$root/agent/target/modelfs.jar}
[ -f "$JAR" ] || bin/modelfs --help >/dev/null
mvn -B -q -f origin-adapters/pom.xml test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cp="$root/origin-adapters/target/test-classes:$root/origin-adapters/target/classes:$(cat origin-adapters/target/bench.classpath)"

mkdir -p "$BENCH_DIR"/{blobs/bench/model,mnt-modelfs,mnt-rclone,mnt-s3fs}
jar=$BENCH_DIR/modelfs.jar; cp -p "$JAR" "$jar"  # a copy (rebuilds during the run do not disturb it), same mtime (a CDS archive checks it)
obj=$BENCH_DIR/blobs/bench/model/weights.bin
log=$BENCH_DIR/run.log; : >"$log"
server=; agent=
cleanup() {
  for m in mnt-modelfs mnt-rclone mnt-s3fs; do
    mountpoint -q "$BENCH_DIR/$m" 2>/dev/null && { fusermount -u -z "$BENCH_DIR/$m" || umount -l "$BENCH_DIR/$m" || true; }
  done
  [ -n "$agent" ] && kill "$agent" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  pkill -f "rclone mount bench" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
mb() { echo "scale=0; $SIZE_MIB * 1048576 / $1 / 1000000" | bc -l; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
wait_mount() { for _ in $(seq 400); do mountpoint -q "$1" && return 0; sleep 0.05; done; echo "no mount at $1" >&2; tail -20 "$log" >&2; exit 1; }
# seconds FILE: wall time of reading FILE sequentially with 1 MiB reads
timed_read() { local t0 t1; t0=$(date +%s.%N); dd if="$1" of=/dev/null bs=1M status=none; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
# gone PID: waits (up to 10 s) until the process has exited, so that a next run's pgrep cannot find it
gone() { for _ in $(seq 100); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done; echo "process $1 did not exit" >&2; }
# cpu PID: user+system CPU seconds the process has used so far
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# ticks: "idle total" jiffies of the whole machine so far (idle includes iowait), from /proc/stat
ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + $6, t }' /proc/stat; }
# idle_pct BEFORE AFTER: the machine's idle share between two `ticks` readings, in percent
idle_pct() { echo "$1 $2" | awk '{ printf "%.0f", 100 * ($3 - $1) / ($4 - $2) }'; }
# threads PID: one line per thread, "tid name ticks" (name: /proc comm with digits and spaces squeezed
# out, so a pool's threads group together)
threads() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ i = index($0, "("); j = length($0); while (substr($0, j, 1) != ")") j--
    name = substr($0, i + 1, j - i - 1); gsub(/[0-9 ]/, "", name); split(substr($0, j + 2), f, " ")
    print $1, name, f[12] + f[13] }'
}
# thread_cpu BEFORE AFTER: CPU s per thread group between two `threads` snapshots, largest first
thread_cpu() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $3; next } { d[$2] += $3 - before[$1] }
    END { for (n in d) if (d[n] > 0) printf "%8.2f  %s\n", d[n] / hz, n }' "$1" "$2" | sort -rn
}

if [ ! -f "$obj" ] || [ "$(stat -c %s "$obj")" -ne $((SIZE_MIB << 20)) ]; then
  echo "generating $SIZE_MIB MiB of random bytes in $obj" >&2
  head -c $((SIZE_MIB << 20)) /dev/urandom >"$obj"
fi
if [ -n "${SECOND:-}" ] && { [ ! -f "${obj%.bin}2.bin" ] || [ "$(stat -c %s "${obj%.bin}2.bin")" -ne $((SIZE_MIB << 20)) ]; }; then
  head -c $((SIZE_MIB << 20)) /dev/urandom >"${obj%.bin}2.bin"
fi
rm -rf "$BENCH_DIR/blobs/bench/model/.modelfs"
java -Xmx512m -cp "$cp" io.modelfs.origin.S3ProxyServer "$BENCH_DIR/blobs" "$PORT" >>"$log" 2>&1 &
server=$!
for _ in $(seq 400); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$PORT/bench/model/weights.bin" && break; sleep 0.1; done
endpoint=http://127.0.0.1:$PORT
cat >"$BENCH_DIR/origins.properties" <<CFG
origin.bench.prefix = s3://bench/
origin.bench.endpoint = $endpoint
origin.bench.credentials = anonymous
origin.bench.checksums = when-required
CFG
ref=$(java -jar "$jar" import s3://bench/model/ --name weights --config "$BENCH_DIR/origins.properties" 2>>"$log" | tail -1)
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); ${SIZE_MIB} MiB object; modelfs ref $ref" >&2

modelfs_cold() {
  rm -rf "$STORE"
  # shellcheck disable=SC2086
  MODELFS_JAR=$jar MODELFS_JAVA_OPTS="-Xmx1g ${MODELFS_JAVA_OPTS:-}" "$root/bin/modelfs" agent --mount "$BENCH_DIR/mnt-modelfs" --store "$STORE" \
    --manifests s3://bench/model/.modelfs/manifests/ --config "$BENCH_DIR/origins.properties" \
    --control "$BENCH_DIR/agent.sock" --http off ${AGENT_FLAGS:-} >>"$log" 2>&1 &
  agent=$!
  wait_mount "$BENCH_DIR/mnt-modelfs"
  stat "$BENCH_DIR/mnt-modelfs/$ref/weights.bin" >/dev/null  # opens the model (manifest fetch), as ls would
  drop
  local c0 s0 s c i0; c0=$(cpu "$agent"); s0=$(cpu "$server"); i0=$(ticks)
  [ -z "${THREADS:-}" ] || { threads "$agent" >"$BENCH_DIR/threads.before"; echo "read starts $(date -u +%T.%N)" >&2; }
  local perf=
  if [ -n "${PERF:-}" ]; then perf record -q -F 999 -g -o "$PERF" -p "$agent" 2>>"$log" & perf=$!; sleep 0.3; fi
  s=$(timed_read "$BENCH_DIR/mnt-modelfs/$ref/weights.bin")
  c=$(echo "$(cpu "$agent") - $c0 + $(cpu "$server") - $s0" | bc -l)
  [ -z "$perf" ] || { kill -INT "$perf"; wait "$perf" 2>/dev/null || true; }
  echo "s3proxy alone: $(echo "$(cpu "$server") - $s0" | bc -l) CPU s during the read; machine idle $(idle_pct "$i0" "$(ticks)") %" >&2
  if [ -n "${THREADS:-}" ]; then
    threads "$agent" >"$BENCH_DIR/threads.after"; echo "read ended $(date -u +%T.%N)" >&2
    echo "modelfs agent CPU s per thread group during the read:" >&2
    thread_cpu "$BENCH_DIR/threads.before" "$BENCH_DIR/threads.after" >&2
  fi
  rss=$(grep VmHWM /proc/$agent/status | awk '{print $2}')
  echo "modelfs agent alone: $(echo "$(cpu "$agent") - $c0" | bc -l) CPU s during the read, $(cpu "$agent") CPU s since start" >&2
  if [ -n "${SECOND:-}" ]; then  # another object, cold in the store, through the same (now JIT-warm) agent
    stat "$BENCH_DIR/mnt-modelfs/$ref/weights2.bin" >/dev/null; drop
    local s2 c2 a2; c2=$(cpu "$agent"); s0=$(cpu "$server"); i0=$(ticks)
    if [ -n "${PERF:-}" ]; then perf record -q -F 999 -g -o "${PERF%.data}-2.data" -p "$agent" 2>>"$log" & perf=$!; sleep 0.3; fi
    s2=$(timed_read "$BENCH_DIR/mnt-modelfs/$ref/weights2.bin")
    [ -z "$perf" ] || { kill -INT "$perf"; wait "$perf" 2>/dev/null || true; }
    a2=$(echo "$(cpu "$agent") - $c2" | bc -l)
    echo "modelfs second object, same agent: $s2 s, $(mb "$s2") MB/s, agent $a2 CPU s, s3proxy $(echo "$(cpu "$server") - $s0" | bc -l) CPU s, machine idle $(idle_pct "$i0" "$(ticks)") %" >&2
  fi
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=
  mountpoint -q "$BENCH_DIR/mnt-modelfs" && fusermount -u -z "$BENCH_DIR/mnt-modelfs" || true
  echo "$s $rss $c"
}
rclone_cold() {
  RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$endpoint \
  RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
    rclone mount bench:bench/model "$BENCH_DIR/mnt-rclone" --vfs-cache-mode off --read-only >>"$log" 2>&1 &
  wait_mount "$BENCH_DIR/mnt-rclone"
  stat "$BENCH_DIR/mnt-rclone/weights.bin" >/dev/null
  drop
  local pid c0 s0 s c; pid=$(pgrep -f "rclone mount bench" | head -1); c0=$(cpu "$pid"); s0=$(cpu "$server")
  s=$(timed_read "$BENCH_DIR/mnt-rclone/weights.bin")
  c=$(echo "$(cpu "$pid") - $c0 + $(cpu "$server") - $s0" | bc -l)
  rss=$(grep VmHWM /proc/$pid/status | awk '{print $2}')
  fusermount -u "$BENCH_DIR/mnt-rclone"; gone "$pid"
  echo "$s $rss $c"
}
s3fs_cold() {
  s3fs bench "$BENCH_DIR/mnt-s3fs" -o url="$endpoint" -o use_path_request_style -o public_bucket=1 -o ro >>"$log" 2>&1
  wait_mount "$BENCH_DIR/mnt-s3fs"
  stat "$BENCH_DIR/mnt-s3fs/model/weights.bin" >/dev/null
  drop
  local pid c0 s0 s c; pid=$(pgrep -x s3fs | head -1); c0=$(cpu "$pid"); s0=$(cpu "$server")
  s=$(timed_read "$BENCH_DIR/mnt-s3fs/model/weights.bin")
  c=$(echo "$(cpu "$pid") - $c0 + $(cpu "$server") - $s0" | bc -l)
  rss=$(grep VmHWM /proc/$pid/status | awk '{print $2}')
  fusermount -u "$BENCH_DIR/mnt-s3fs"; gone "$pid"
  echo "$s $rss $c"
}
curl_cold() {
  drop
  local t0 t1 s0 c; s0=$(cpu "$server"); t0=$(date +%s.%N)
  c=$( { TIMEFORMAT=%3U+%3S; time curl -sSf -o /dev/null "$endpoint/bench/model/weights.bin"; } 2>&1 )
  t1=$(date +%s.%N)
  echo "$(echo "$t1 - $t0" | bc -l) - $(echo "$c + $(cpu "$server") - $s0" | bc -l)"
}

declare -A best
for what in $READERS; do
  for _ in $(seq "$RUNS"); do
    r=$(${what}_cold)
    echo "$what: $r" >&2
    s=${r%% *}
    if [ -z "${best[$what]:-}" ] || (( $(echo "$s < ${best[$what]%% *}" | bc -l) )); then best[$what]=$r; fi
  done
done
ratio() { [ -n "${best[$1]:-}" ] && [ -n "$2" ] && printf "%.2f×" "$(echo "$2 / $3" | bc -l)" || echo "-"; }
curl_s=; [ -z "${best[curl]:-}" ] || curl_s=${best[curl]%% *}
mounters=$(for m in rclone s3fs; do [ -z "${best[$m]:-}" ] || echo "${best[$m]%% *}"; done | sort -g | head -1)
echo "| reader | s | MB/s | CPU s (reader + s3proxy) | peak RSS MiB | vs curl | vs faster of rclone/s3fs |"
echo "|---|---|---|---|---|---|---|"
for what in $READERS; do
  read -r s rss c <<<"${best[$what]}"
  [ "$rss" = "-" ] || rss=$((rss / 1024))
  printf "| %s | %.2f | %s | %.1f | %s | %s | %s |\n" "$what" "$s" "$(mb "$s")" "$c" "$rss" \
    "$(ratio curl "${curl_s:-}" "$s")" "$([ -n "$mounters" ] && ratio "$what" "$mounters" "$s" || echo -)"
done
