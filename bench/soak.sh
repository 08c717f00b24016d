#!/usr/bin/env bash
# Soak: an N-node local swarm (agents as child processes on loopback, each peering with the
# others, one file origin) doing repeated pulls and reads for a while, with every agent's RSS and
# open file descriptors sampled every few seconds and at the end of every round. Each round
# evicts everything from one agent (`modelfs gc --to 0`), pulls the model again (from its peers,
# the origin as fallback) and compares every byte read through each agent's mount with the
# origin (cmp).
#
#   bench/soak.sh [-n AGENTS] [-d SECONDS] [-s MODEL_MIB] [-i SAMPLE_SECONDS] [-w WARMUP_SECONDS]
#     defaults: 3 agents, 600 s, 32 MiB model (4 MiB chunks), a sample every 5 s, 120 s warm-up
#
# Pass/fail (exit 0/1): every round read the exact bytes; and per agent, comparing like with like
# (the samples taken at the end of each round, when every agent is idle, after warm-up): the
# median RSS of the last 3 rounds is less than 5% above the median of the first 3, and every
# round's open file descriptors are within +-10 of the first 3 rounds' median. Prints a per-agent
# table; keeps the samples in $work/samples.tsv (periodic) and $work/rounds.tsv (end of round).
# Run it niced on a shared machine: nice -n 10 bench/soak.sh. Needs FUSE (root), python3, java and the built jar.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
jar=$root/agent/target/modelfs.jar
agents=3 duration=600 size=32 interval=5 warmup=120
while [ $# -gt 0 ]; do
  case $1 in
    -n) agents=$2; shift 2 ;;
    -d) duration=$2; shift 2 ;;
    -s) size=$2; shift 2 ;;
    -i) interval=$2; shift 2 ;;
    -w) warmup=$2; shift 2 ;;
    *) echo "soak.sh: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
[ -f "$jar" ] || { echo "soak.sh: $jar is missing; build the agent module" >&2; exit 2; }
[ "$agents" -ge 2 ] && [ "$agents" -le 10 ] || { echo "soak.sh: -n must be 2-10" >&2; exit 2; }
[ "$duration" -ge $((warmup + 120)) ] || { echo "soak.sh: -d must be at least warm-up + 120 s" >&2; exit 2; }

work=$(mktemp -d /tmp/modelfs-soak.XXXXXX)
cp "$jar" "$work/modelfs.jar" # the build under test stays the same for the whole run
jar=$work/modelfs.jar
java_opts=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)
pids=() mounts=() sampler=""
teardown() {
  set +e
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  for m in "${mounts[@]}"; do mountpoint -q "$m" && { fusermount -u -z "$m" 2>/dev/null || umount -l "$m"; }; done
  rm -rf "$work/origin" "$work"/a*/store "$work/modelfs.jar" # keep only logs and samples
}
trap teardown EXIT
trap 'exit 130' INT TERM
modelfs() { java "${java_opts[@]}" -jar "$jar" "$@"; }

mkdir -p "$work/origin/model" "$work/manifests"
python3 "$root/bench/make_safetensors.py" "$work/origin/model/model.safetensors" "$size" 8
echo '{"model_type": "soak"}' > "$work/origin/model/config.json"
ref=$(modelfs import "$work/origin/model" --name soak --chunk-size 4MiB --manifests "file://$work/manifests/" 2>"$work/import.log" | tail -n 1)
head -c 32 /dev/urandom | base64 > "$work/swarm.key"

port() { echo $((27100 + $1)); }
for a in $(seq 1 "$agents"); do
  peers=()
  for b in $(seq 1 $((a - 1))); do peers+=(--peer "127.0.0.1:$(port "$b")"); done
  mkdir -p "$work/a$a/mnt"
  mounts+=("$work/a$a/mnt")
  java "${java_opts[@]}" -jar "$jar" agent --mount "$work/a$a/mnt" --store "$work/a$a/store" \
    --manifests "file://$work/manifests/" --control "$work/a$a/agent.sock" --http off --store-min-free 0 \
    --listen "127.0.0.1:$(port "$a")" --node-id "a$a" --swarm-key-file "$work/swarm.key" "${peers[@]}" \
    >"$work/a$a/log" 2>&1 &
  pids+=($!)
done
for a in $(seq 1 "$agents"); do
  for _ in $(seq 1 450); do [ -S "$work/a$a/agent.sock" ] && break; sleep 0.2; done
  [ -S "$work/a$a/agent.sock" ] || { echo "soak.sh: agent a$a did not start:" >&2; tail -20 "$work/a$a/log" >&2; exit 1; }
done

start=$(date +%s)
# Sampler: seconds since start, agent, RSS KiB, open fds.
(
  while true; do
    now=$(( $(date +%s) - start ))
    for a in $(seq 1 "$agents"); do
      pid=${pids[$((a - 1))]}
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
      fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
      printf '%d\ta%d\t%s\t%d\n' "$now" "$a" "${rss:-0}" "$fds"
    done
    sleep "$interval"
  done
) >"$work/samples.tsv" &
sampler=$!

echo "# soak: $agents agents, ${size} MiB model, ${duration} s, sample every ${interval} s, warm-up ${warmup} s; work $work" >&2
rounds=0 failed=0
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  k=$(( rounds % agents + 1 ))
  sock=$work/a$k/agent.sock
  if ! { modelfs gc --agent "$sock" --to 0 >>"$work/rounds.log" 2>&1 \
      && modelfs pull --agent "$sock" "$ref" --json >>"$work/rounds.log" 2>&1; }; then
    echo "soak.sh: round $rounds: gc/pull on a$k failed (see $work/rounds.log)" >&2
    failed=$((failed + 1))
  fi
  for a in $(seq 1 "$agents"); do
    for f in model.safetensors config.json; do
      if ! cmp -s "$work/origin/model/$f" "$work/a$a/mnt/$ref/$f"; then
        echo "soak.sh: round $rounds: a$a served different bytes for $f" >&2
        failed=$((failed + 1))
      fi
    done
  done
  now=$(( $(date +%s) - start ))
  for a in $(seq 1 "$agents"); do
    pid=${pids[$((a - 1))]}
    printf '%d\ta%d\t%s\t%d\n' "$now" "$a" "$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)" \
      "$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)" >>"$work/rounds.tsv"
  done
  rounds=$((rounds + 1))
done
kill "$sampler" 2>/dev/null; sampler=""
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "soak.sh: agent pid $pid died" >&2; failed=$((failed + 1)); }; done

# Per agent: end-of-round samples after warm-up, first 3 vs last 3 (medians); max RSS from the periodic samples.
python3 - "$work/rounds.tsv" "$work/samples.tsv" "$warmup" "$rounds" "$failed" <<'EOF'
import statistics, sys
rounds_path, samples_path, warmup, rounds, failed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def load(path):
    by = {}
    for line in open(path):
        t, agent, rss, fds = line.split("\t")
        by.setdefault(agent, []).append((int(t), int(rss or 0), int(fds)))
    return by
idle, periodic = load(rounds_path), load(samples_path)
ok = failed == 0
print("| agent | rounds after warm-up | RSS first 3 rounds (MiB) | RSS last 3 rounds (MiB) | growth | max RSS, periodic (MiB) | fds first 3 rounds | fds min..max after warm-up | check |")
print("|---|---|---|---|---|---|---|---|---|")
for agent in sorted(idle):
    s = [x for x in idle[agent] if x[0] >= warmup]
    if len(s) < 6:
        print("| %s | %d | - | - | - | - | - | - | too few rounds after warm-up (need 6) |" % (agent, len(s)))
        ok = False
        continue
    r0 = statistics.median(x[1] for x in s[:3])
    r1 = statistics.median(x[1] for x in s[-3:])
    f0 = statistics.median(x[2] for x in s[:3])
    growth = (r1 - r0) / r0 * 100
    fmin, fmax = min(x[2] for x in s), max(x[2] for x in s)
    good = growth < 5 and fmin >= f0 - 10 and fmax <= f0 + 10
    ok &= good
    peak = max(x[1] for x in periodic.get(agent, s))
    print("| %s | %d | %.0f | %.0f | %+.1f%% | %.0f | %d | %d..%d | %s |" % (agent, len(s), r0 / 1024, r1 / 1024, growth,
          peak / 1024, f0, fmin, fmax, "ok" if good else "FAILED"))
print()
print("rounds: %d (gc + pull on one agent, cmp of every file on every agent), failures: %d, result: %s"
      % (rounds, failed, "PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
