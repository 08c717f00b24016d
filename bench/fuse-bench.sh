#!/usr/bin/env bash
# Measures the FUSE mount against a file: origin on this machine and prints markdown tables.
#
#   bench/fuse-bench.sh [section...]     sections: chunks readahead warm cache mmap header formats ttfb
#                                        ceiling (default: all but ceiling)
#
# formats: header TTFB and cold loads (read(), mmap in file order, mmap in name order) of the
# safetensors file and of a GGUF file of the same size (bench/make_gguf.py), format prefetch on
# vs off; FORMATS ("safetensors gguf") picks the files. Tensor orders: file, name (sorted, as
# safe_open().keys()), shuffled (seeded: a loader jumping across the file). ttfb: cold random
# 4 KiB reads and header TTFB per chunk size in CHUNK_SIZES (the
# numbers behind the sub-chunk pieces decision). warm: a fresh agent without (--warmup 0) and
# with the start-up warm-up, and the 4th pass of the same agent (JIT-compiled read path), with
# the agent's CPU seconds. ceiling: the warm read through bench/onefile-fuse.c, a minimal C
# daemon on libfuse 2 and 3 (see section_ceiling), vs the origin file read directly. cache: dd
# of the mount, of the local file and of a tmpfs copy with the same block size (4M, 1M, 128k),
# CACHE_REPS (5) alternating runs each, medians compared; the folio sizes the kernel caches each
# in; and the agent's read syscalls/bytes
# during the mount's re-read (no READ reaching the agent = the kernel answered alone). Every
# row carries the 1-minute load average. A model regenerated for another SIZE_MIB/TENSOR_MIB
# drops the old imports, chunk lists and store.
#
# Env: SIZE_MIB (default 2048) size of the generated safetensors model, TENSOR_MIB (64),
# CHUNK_SIZES ("1 2 4 8 16", MiB), CS (chunk size for the other sections, MiB; default 8),
# BENCH_DIR (/var/tmp/modelfs-bench), JAR (agent/target/modelfs.jar, copied so rebuilds do
# not disturb a run), RUNS (1) repetitions of each cold measurement, STORE (the chunk store's
# directory, default $BENCH_DIR/store; /dev/shm/... takes the store disk's fsync speed out),
# AGENT_FLAGS (extra flags for every agent; a flag the section also gives, e.g. warm's --warmup 0, is
# dropped from them for that agent), COLD_FILE (the mounted
# path a cold run reads, default the safetensors file of that chunk size).
# "Cold" = a fresh agent, an empty chunk store and `echo 3 > /proc/sys/vm/drop_caches` before
# the read. Needs root, /dev/fuse, libfuse2, Debian's python3-numpy (bin/deps installs them).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-2048}
TENSOR_MIB=${TENSOR_MIB:-64}
CHUNK_SIZES=${CHUNK_SIZES:-"1 2 4 8 16"}
CS=${CS:-8}
RUNS=${RUNS:-1}
BENCH_DIR=${BENCH_DIR:-/var/tmp/modelfs-bench}
PY=/usr/bin/python3
readers="$PY $root/bench/readers.py"
sections=${*:-chunks readahead warm cache mmap header formats ttfb}

mkdir -p "$BENCH_DIR"
jar=$BENCH_DIR/modelfs.jar
cp "${JAR:-$root/agent/target/modelfs.jar}" "$jar"
# Agents that serve HTTP would collide on its default port with whatever else runs here.
http_off=(); java -jar "$jar" agent --help 2>&1 | grep -q -- '--http' && http_off=(--http off)
data=$BENCH_DIR/origin
model=$data/model.safetensors
mnt=$BENCH_DIR/mnt
store=${STORE:-$BENCH_DIR/store}
log=$BENCH_DIR/agent.log
agent_pid=

modelfs() { java -jar "$jar" "$@"; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

stop_agent() {
  if [ -n "$agent_pid" ]; then
    kill "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
    agent_pid=
  fi
  if mountpoint -q "$mnt" 2>/dev/null; then fusermount -u -z "$mnt" || true; fi
}
trap 'stop_agent; rm -f /dev/shm/modelfs-bench-cache-$$; mountpoint -q "$BENCH_DIR/mnt-ceiling" 2>/dev/null && fusermount -u -z "$BENCH_DIR/mnt-ceiling"; true' EXIT

# start_agent CHUNK_MIB [fresh|warm] [agent flags...]: an agent serving the import of that chunk size.
# A flag the section gives wins over the same flag in AGENT_FLAGS (picocli rejects an option given twice).
start_agent() {
  local cs=$1 state=$2 extra=() f skip=
  shift 2
  stop_agent
  [ "$state" = warm ] || rm -rf "$store"
  for f in ${AGENT_FLAGS:-}; do
    if [ -n "$skip" ]; then skip=; continue; fi
    case "$f" in
      --*) case " $* " in *" ${f%%=*} "*|*" ${f%%=*}="*) [[ "$f" == *=* ]] || skip=1; continue ;; esac ;;
    esac
    extra+=("$f")
  done
  agent_log_from=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
  # Through bin/modelfs, so the agent runs with the product's JVM options (MODELFS_JAVA_OPTS adds to them).
  MODELFS_JAR=$jar "$root/bin/modelfs" agent --mount "$mnt" --store "$store" --manifests "file://$BENCH_DIR/manifests-$cs/" \
    --control "$BENCH_DIR/agent.sock" "${http_off[@]}" "${extra[@]}" "$@" >>"$log" 2>&1 &
  agent_pid=$!
  for _ in $(seq 600); do  # 30 s: the start-up warm-up runs before the mount
    mountpoint -q "$mnt" 2>/dev/null && return 0
    kill -0 "$agent_pid" 2>/dev/null || { tail -20 "$log" >&2; echo "agent died" >&2; exit 1; }
    sleep 0.05
  done
  echo "agent did not mount $mnt" >&2
  exit 1
}

ref_of() { cat "$BENCH_DIR/ref-$1"; }
file_of() { echo "$mnt/$(ref_of "$1")/model.safetensors"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }  # value of key=value on stdin

prepare() {
  # The imports (manifests-*, ref-*) and chunk lists describe one generated file: a file of
  # another size makes them stale (every read would fail with EIO: "changed since import").
  local stamp="$data/.generated" want="size_mib=$SIZE_MIB tensor_mib=$TENSOR_MIB"
  if [ ! -f "$model" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    mkdir -p "$data"
    echo "generating a ${SIZE_MIB} MiB safetensors file in $model (dropping old imports)" >&2
    rm -rf "$BENCH_DIR"/manifests-* "$BENCH_DIR"/ref-* "$BENCH_DIR"/chunks-*.txt "$BENCH_DIR/origin-gguf" "$store"
    $PY "$root/bench/make_safetensors.py" "$model" "$SIZE_MIB" "$TENSOR_MIB"
    echo "$want" >"$stamp"
  fi
  for cs in $CHUNK_SIZES $CS; do
    if [ ! -s "$BENCH_DIR/ref-$cs" ]; then
      modelfs import "file://$data/" --name bench --chunk-size "${cs}MiB" --manifests "file://$BENCH_DIR/manifests-$cs/" \
        2>>"$log" | tail -1 >"$BENCH_DIR/ref-$cs"
    fi
  done
}

# cold CS READER ARGS... [-- agent flags]: fresh agent, empty store, dropped caches, one reader run.
cold() {
  local cs=$1 mode=$2
  shift 2
  local args=() flags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift && flags=("$@")
  start_agent "$cs" fresh "${flags[@]}"
  drop_caches
  $readers "$mode" "${COLD_FILE:-$(file_of "$cs")}" "${args[@]}"
  stop_agent  # this runs in a $(subshell): its agent_pid is not the caller's
}

section_chunks() {
  echo
  echo "### Chunk size (cold, file: origin, ${SIZE_MIB} MiB safetensors; format prefetch off so that random reads are alone)"
  echo
  echo "| chunk | seq read MB/s | rand 4 KiB first / p50 / p99 ms | rand 128 KiB first / p50 / p99 ms | header TTFB ms |"
  echo "|---|---|---|---|---|"
  for cs in $CHUNK_SIZES; do
    for _ in $(seq "$RUNS"); do
      s=$(cold "$cs" seq -- --no-format-prefetch)
      r4=$(cold "$cs" rand 4096 200 1 -- --no-format-prefetch)
      r128=$(cold "$cs" rand 131072 200 1 -- --no-format-prefetch)
      h=$(cold "$cs" header -- --no-format-prefetch)
      echo "| $cs MiB | $(echo "$s" | field MBps) | $(echo "$r4" | field first_ms) / $(echo "$r4" | field p50_ms) / $(echo "$r4" | field p99_ms)" \
        "| $(echo "$r128" | field first_ms) / $(echo "$r128" | field p50_ms) / $(echo "$r128" | field p99_ms) | $(echo "$h" | field ttfb_ms) |"
    done
  done
  echo
  drop_caches
  echo "baseline: \`dd\` of the origin file itself, cold: $(dd if="$model" of=/dev/null bs=1M 2>&1 | tail -1)"
}

section_readahead() {
  echo
  echo "### Readahead (cold sequential read(), ${CS} MiB chunks, format prefetch off)"
  echo
  echo "| readahead chunks | kernel read_ahead_kb | MB/s |"
  echo "|---|---|---|"
  for ra in 0 1 2 4 8 16; do
    echo "| $ra | 1024 | $(cold "$CS" seq -- --readahead "$ra" --kernel-readahead-kb 1024 --no-format-prefetch | field MBps) |"
  done
  for kra in 128 4096 16384; do
    echo "| 4 | $kra | $(cold "$CS" seq -- --readahead 4 --kernel-readahead-kb "$kra" --no-format-prefetch | field MBps) |"
  done
}

section_warm() {
  echo
  echo "### Warm read (every chunk in the store, page cache dropped, fresh agent; ${CS} MiB chunks)"
  echo
  start_agent "$CS" warm --warmup 0
  $readers seq "$(file_of "$CS")" >/dev/null   # fills the store (if an earlier run has not)
  $readers digests "$model" $((CS << 20)) >"$BENCH_DIR/chunks-$CS.txt"
  echo "| reader | MB/s |"
  echo "|---|---|"
  for _ in $(seq "$RUNS"); do
    # A/B of the start-up warm-up (StartupWarmup + FuseWarmup): a fresh agent without it first.
    start_agent "$CS" warm --warmup 0
    drop_caches
    u0=$(agent_cpu)
    u=$($readers seq "$(file_of "$CS")" | field MBps)
    u1=$(agent_cpu)
    start_agent "$CS" warm
    wait_ready
    s0=$(agent_cpu)
    startup=$(sed -n "$agent_log_from,\$p" "$log" | grep -o 'agent ready [0-9]* ms' | tail -1 | grep -o '[0-9]*')
    drop_caches
    t0=$(agent_cpu)
    m=$($readers seq "$(file_of "$CS")" | field MBps)
    t0e=$(agent_cpu)
    # Again with the same agent, 3 passes, the last reported: C2 compiles the per-request methods
    # only after ~10^4 calls (8,192 requests per GiB), so the first two passes still pay JIT warm-up.
    for _ in 1 2 3; do
      drop_caches
      t1=$(agent_cpu)
      m2=$($readers seq "$(file_of "$CS")" | field MBps)
      t2=$(agent_cpu)
    done
    stop_agent
    drop_caches
    c=$($readers chunks "$store/chunks" "$BENCH_DIR/chunks-$CS.txt" | field MBps)
    echo "| mount, fresh agent, --warmup 0 (agent CPU $(awk "BEGIN{printf \"%.2f\", ($u1 - $u0) / 100}") s for ${SIZE_MIB} MiB) | $u |"
    echo "| mount, fresh agent, start-up warm-up on (agent CPU $(awk "BEGIN{printf \"%.2f\", ($t0e - $t0) / 100}") s; start-up: ready after ${startup:-?} ms, $(awk "BEGIN{printf \"%.2f\", $s0 / 100}") agent CPU-s) | $m |"
    echo "| mount, same agent, 4th pass (agent CPU $(awk "BEGIN{printf \"%.2f\", ($t2 - $t1) / 100}") s) | $m2 |"
    echo "| chunk files directly, same order (baseline) | $c |"
    echo "| ratio, fresh without / with warm-up / 4th pass (load $(load1)) | $(awk "BEGIN{printf \"%.2f / %.2f / %.2f\", $u/$c, $m/$c, $m2/$c}") |"
  done
}

# wait_ready: until the agent logged "agent ready" (its mount appears a moment before), at most 10 s.
wait_ready() {
  for _ in $(seq 200); do
    sed -n "$agent_log_from,\$p" "$log" | grep -q 'agent ready' && return 0
    sleep 0.05
  done
}
# agent_cpu: user + system clock ticks (1/100 s) the agent process has used so far.
agent_cpu() { awk '{print $14 + $15}' "/proc/$agent_pid/stat"; }
# agent_io: "read syscalls bytes" the agent process made so far (/proc/PID/io syscr, rchar): FUSE
# requests it took from /dev/fuse plus chunk-file reads; a delta near 0 means the kernel answered alone.
agent_io() { awk '/^rchar/{b=$2} /^syscr/{c=$2} END{print c, b}' "/proc/$agent_pid/io"; }
# dd_gbs FILE BS: GB/s of one dd of FILE, computed from dd's bytes and seconds (not its rounded rate).
dd_gbs() { dd if="$1" of=/dev/null bs="$2" 2>&1 | tail -1 | awk -F', ' '{split($1, b, " "); split($3, t, " "); printf "%.2f", b[1] / t[1] / 1e9}'; }
# spread V...: "median (min-max)" of the numbers.
spread() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{m=NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.2f (%.2f-%.2f)", m, v[1], v[NR]}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# The page-cache re-read. A cached GiB takes 0.1-0.3 s to copy, so one dd per side swings 2-3x with
# the load: each side is read CACHE_REPS times, alternating, and the medians are compared. Three
# files hold the same bytes: the mount's, the origin file on the local disk (the issue's baseline)
# and a copy on tmpfs. The folio row says why they differ: the kernel caches a FUSE file in 4 KiB
# folios (libfuse 2 or 3 alike, kernel 6.18), a local ext4 file mostly in 2 MiB ones, tmpfs
# (huge=never) in 4 KiB ones (tmpfs reads a folio at a time: a lower bound for 4 KiB folios).
section_cache() {
  local reps=${CACHE_REPS:-5} shm=/dev/shm/modelfs-bench-cache-$$ fs
  fs=$(df --output=fstype "$model" | tail -1)
  echo
  echo "### Page-cache re-read (file read once already; ${CS} MiB chunks; dd, the same block size on every side; median (min-max) GB/s of $reps alternating runs)"
  echo
  start_agent "$CS" warm
  f=$(file_of "$CS")
  cp "$model" "$shm"
  $readers seq "$f" >/dev/null
  $readers seq "$model" >/dev/null
  echo "Folio sizes in the page cache (first 256 MiB; share of bytes): mount $($readers folios "$f" $((256 << 20)) | field folios)," \
    "local $fs file $($readers folios "$model" $((256 << 20)) | field folios), tmpfs copy $($readers folios "$shm" $((256 << 20)) | field folios)."
  echo
  echo "| dd bs | mount | local $fs file (baseline) | tmpfs copy (4 KiB pages) | mount / local | mount / tmpfs | agent read syscalls / bytes during the mount's re-reads | load |"
  echo "|---|---|---|---|---|---|---|---|"
  for bs in 4M 1M 128k; do
    local m=() b=() t=() l c0 b0 c1 b1 mm bm tm
    l=$(load1)
    read -r c0 b0 < <(agent_io)
    for _ in $(seq "$reps"); do
      m+=("$(dd_gbs "$f" "$bs")")
      b+=("$(dd_gbs "$model" "$bs")")
      t+=("$(dd_gbs "$shm" "$bs")")
    done
    read -r c1 b1 < <(agent_io)
    mm=$(median "${m[@]}"); bm=$(median "${b[@]}"); tm=$(median "${t[@]}")
    echo "| $bs | $(spread "${m[@]}") | $(spread "${b[@]}") | $(spread "${t[@]}") |" \
      "$(awk "BEGIN{printf \"%.2f\", $mm / $bm}") | $(awk "BEGIN{printf \"%.2f\", $mm / $tm}") | $((c1 - c0)) / $((b1 - b0)) | $l-$(load1) |"
  done
  rm -f "$shm"
}

# The same warm read through bench/onefile-fuse.c, a minimal C daemon (no modelfs, no JVM) serving
# the origin file: what any libfuse daemon gets on this machine. Built with gcc against libfuse 2
# (128 KiB requests, as the agent) and, when its headers are there, libfuse 3 (1 MiB requests);
# "splice" hands libfuse the file descriptor (read_buf + splice_write: one copy less). Needs gcc,
# pkg-config and Debian's libfuse-dev / libfuse3-dev (not installed by bin/deps: bench only).
# KERNEL_READAHEAD_KB (1024, the agent's default) sets the daemon's kernel readahead window.
section_ceiling() {
  local runs=${CEILING_RUNS:-3} cm=$BENCH_DIR/mnt-ceiling variants=()
  echo
  echo "### Ceiling: bench/onefile-fuse.c (C, no modelfs) serving the origin file; warm read (page cache dropped), read() 1 MiB, $runs runs, kernel window ${KERNEL_READAHEAD_KB:-1024} KiB"
  echo
  if ! command -v gcc >/dev/null || ! command -v pkg-config >/dev/null; then
    echo "skipped: needs gcc and pkg-config"; return 0
  fi
  for v in 2 3; do
    local pc=fuse; [ "$v" = 3 ] && pc=fuse3
    # shellcheck disable=SC2046  # pkg-config prints several words
    if pkg-config --exists "$pc" && gcc -O2 -DFUSE_USE_VERSION=$([ "$v" = 3 ] && echo 31 || echo 26) -D_FILE_OFFSET_BITS=64 \
        $(pkg-config --cflags "$pc") "$root/bench/onefile-fuse.c" -o "$BENCH_DIR/onefile-fuse$v" $(pkg-config --libs "$pc") 2>>"$log"; then
      variants+=("$v:read"); [ "$v" = 2 ] && variants+=("2:splice")
    else
      echo "libfuse $v: not built (no $pc headers: apt-get install $([ "$v" = 3 ] && echo libfuse3-dev || echo libfuse-dev))"
    fi
  done
  mkdir -p "$cm"
  echo "| daemon | MB/s per run | median MB/s | daemon CPU s per GiB, median | reads per pass / largest request | load |"
  echo "|---|---|---|---|---|---|"
  local base=() r
  for var in "${variants[@]}"; do
    local v=${var%%:*} mode=${var#*:} opts pid rates=() cpus=() c0 c1 l
    opts="ro,kernel_cache,entry_timeout=3600,attr_timeout=3600,max_read=131072"
    [ "$v" = 3 ] && opts="ro,max_read=1048576"  # libfuse 3 sets kernel_cache and the timeouts in init()
    [ "$mode" = splice ] && opts="$opts,splice_write"
    l=$(load1)
    if [ "$mode" = splice ]; then
      SPLICE=1 "$BENCH_DIR/onefile-fuse$v" "$model" "$cm" -f -o "$opts" 2>"$BENCH_DIR/ceiling.err" & pid=$!
    else
      "$BENCH_DIR/onefile-fuse$v" "$model" "$cm" -f -o "$opts" 2>"$BENCH_DIR/ceiling.err" & pid=$!
    fi
    for _ in $(seq 100); do mountpoint -q "$cm" && break; sleep 0.05; done
    stat "$cm/f" >/dev/null  # after INIT: the readahead window written below is not overwritten
    echo "${KERNEL_READAHEAD_KB:-1024}" >"/sys/class/bdi/$(mountpoint -d "$cm")/read_ahead_kb"  # the agent's default
    for _ in $(seq "$runs"); do
      drop_caches
      c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
      rates+=("$($readers seq "$cm/f" | field MBps)")
      c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
      cpus+=("$(awk "BEGIN{printf \"%.2f\", ($c1 - $c0) / 100 / ($SIZE_MIB / 1024)}")")
    done
    fusermount -u "$cm" || fusermount -u -z "$cm"
    wait "$pid" || true
    local counted reads largest
    counted=$(tail -1 "$BENCH_DIR/ceiling.err")
    reads=$(echo "$counted" | field reads); largest=$(echo "$counted" | field largest)
    echo "| libfuse $v, $mode | ${rates[*]} | $(median "${rates[@]}") | $(median "${cpus[@]}") |" \
      "$((reads / runs)) / $((largest >> 10)) KiB | $l-$(load1) |"
  done
  for _ in $(seq "$runs"); do
    drop_caches
    base+=("$($readers seq "$model" | field MBps)")
  done
  echo "| the origin file read directly (baseline) | ${base[*]} | $(median "${base[@]}") | | | $(load1) |"
  rmdir "$cm" 2>/dev/null || true
}

section_mmap() {
  echo
  echo "### mmap vs read() (cold, ${CS} MiB chunks; numpy maps every tensor and touches each page)"
  echo
  echo "| load | format prefetch | MB/s |"
  echo "|---|---|---|"
  for _ in $(seq "$RUNS"); do
    for fp in format-prefetch no-format-prefetch; do
      s=$(cold "$CS" seq -- "--$fp" | field MBps)
      m=$(cold "$CS" mmap -- "--$fp" | field MBps)
      echo "| read() 1 MiB, sequential | ${fp%%-*} | $s |"
      echo "| mmap every tensor | ${fp%%-*} | $m |"
    done
  done
}

section_header() {
  echo
  echo "### Time to the parsed safetensors header (cold, ${CS} MiB chunks)"
  echo
  echo "| run | ms |"
  echo "|---|---|"
  for i in $(seq 3); do
    echo "| $i | $(cold "$CS" header | field ttfb_ms) |"
  done
}

load1() { cut -d' ' -f1 /proc/loadavg; }

# The GGUF model: a file of the safetensors model's size in its own origin directory, imported
# into the same manifests directory (another ref) at chunk size $CS.
prepare_gguf() {
  gguf=$BENCH_DIR/origin-gguf/model.gguf
  if [ ! -f "$gguf" ]; then
    mkdir -p "$(dirname "$gguf")"
    echo "generating a ${SIZE_MIB} MiB GGUF file in $gguf" >&2
    $PY "$root/bench/make_gguf.py" "$gguf" "$SIZE_MIB" "$TENSOR_MIB"
  fi
  if [ ! -s "$BENCH_DIR/ref-gguf-$CS" ]; then
    modelfs import "file://$BENCH_DIR/origin-gguf/" --name bench-gguf --chunk-size "${CS}MiB" \
      --manifests "file://$BENCH_DIR/manifests-$CS/" 2>>"$log" | tail -1 >"$BENCH_DIR/ref-gguf-$CS"
  fi
}

section_formats() {
  prepare_gguf
  local st gg
  st=$(file_of "$CS")
  gg="$mnt/$(cat "$BENCH_DIR/ref-gguf-$CS")/model.gguf"
  echo
  echo "### Model formats, cold (${CS} MiB chunks): header TTFB; read() vs mmap; format prefetch on vs off"
  echo
  echo "| format | header TTFB ms, 3 cold runs (load) |"
  echo "|---|---|"
  for fmt in ${FORMATS:-safetensors gguf}; do
    f=$st; [ "$fmt" = gguf ] && f=$gg
    row=""
    for _ in 1 2 3; do
      l=$(load1)
      row="$row $(COLD_FILE=$f cold "$CS" header | field ttfb_ms) ($l) /"
    done
    echo "| $fmt |${row% /} |"
  done
  echo
  echo "| format | load | prefetch on: MB/s (load) | prefetch off: MB/s (load) | on / off |"
  echo "|---|---|---|---|---|"
  for fmt in ${FORMATS:-safetensors gguf}; do
    f=$st; [ "$fmt" = gguf ] && f=$gg
    for load in "seq" "mmap file" "mmap names" "mmap shuffled"; do
      l1=$(load1); on=$(COLD_FILE=$f cold "$CS" $load -- --format-prefetch | field MBps)
      l2=$(load1); off=$(COLD_FILE=$f cold "$CS" $load -- --no-format-prefetch | field MBps)
      case $load in seq) what="read() 1 MiB, sequential" ;; "mmap file") what="mmap every tensor, file order" ;;
        "mmap names") what="mmap every tensor, name order" ;; *) what="mmap every tensor, shuffled order" ;; esac
      echo "| $fmt | $what | $on ($l1) | $off ($l2) | $(awk "BEGIN{printf \"%.2f\", $on/$off}") |"
    done
  done
  grep -h 'not prefetching' "$log" | tail -3 | sed 's/^/    agent log: /' || true
}

section_ttfb() {
  echo
  echo "### Cold TTFB by chunk size (30 random 4 KiB preads of the safetensors file, seed 1; header TTFB; format prefetch off)"
  echo
  echo "| chunk | rand 4 KiB first / p50 / p99 ms | header TTFB ms | load |"
  echo "|---|---|---|---|"
  for cs in $CHUNK_SIZES; do
    for _ in $(seq "$RUNS"); do
      l=$(load1)
      r4=$(cold "$cs" rand 4096 30 1 -- --no-format-prefetch)  # no prefetch filling chunks behind the reads
      h=$(cold "$cs" header -- --no-format-prefetch)
      echo "| $cs MiB | $(echo "$r4" | field first_ms) / $(echo "$r4" | field p50_ms) / $(echo "$r4" | field p99_ms)" \
        "| $(echo "$h" | field ttfb_ms) | $l-$(load1) |"
    done
  done
}

prepare
echo "## FUSE mount (bench/fuse-bench.sh $sections), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem/{print $2}') GiB RAM, kernel $(uname -r); shared and noisy (others build)."
echo "Model: one ${SIZE_MIB} MiB safetensors file of ${TENSOR_MIB} MiB random tensors; origin: file: on local disk; store: $store ($(df --output=fstype "$(dirname "$store")" | tail -1))."
for s in $sections; do
  "section_$s"
done
stop_agent
