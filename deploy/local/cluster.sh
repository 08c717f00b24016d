#!/usr/bin/env bash
# A modelfs cluster on one machine: N agents and 3 trackers, each in its own network namespace
# on a private bridge (10.231.0.0/24, inside a hub namespace: nothing touches the host's network),
# the HTTP origin in its own, optional tc bandwidth limits per agent. Everything is torn down on
# exit, error or signal.
#
#   deploy/local/cluster.sh [-n AGENTS] [-t TRACKERS] [-r RATE] [-s MODEL_MIB] [-p PREFIX] [--check | --hold]
#
#   -n  agents (default 3)            -t  trackers, 0 or an odd number (default 3)
#   -r  tc rate per agent, e.g. 1gbit (default: none)   -s  model size in MiB (default 64)
#   -p  namespace name prefix (default mfs<pid>)
#   --check  pull the model on every agent, compare every byte read through each mount with the
#            origin, print a table and exit (0 when all match)
#   --hold   stay up until Ctrl-C (default), printing how to reach each agent
#
# Needs root, iproute2 (ip, tc), nsenter, python3, java and the built jar (agent/target/modelfs.jar).
# Agents start with `nsenter --net=...`, not `ip netns exec`: the latter gives the command a private
# mount namespace, so its FUSE mount would be invisible to everyone else.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
jar=$root/agent/target/modelfs.jar
agents=3 trackers=3 rate="" size=64 prefix="mfs$$" mode=hold
while [ $# -gt 0 ]; do
  case $1 in
    -n) agents=$2; shift 2 ;;
    -t) trackers=$2; shift 2 ;;
    -r) rate=$2; shift 2 ;;
    -s) size=$2; shift 2 ;;
    -p) prefix=$2; shift 2 ;;
    --check) mode=check; shift ;;
    --hold) mode=hold; shift ;;
    *) echo "cluster.sh: unknown argument '$1' (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "cluster.sh: needs root (network namespaces, FUSE)" >&2; exit 2; }
[ -f "$jar" ] || { echo "cluster.sh: $jar is missing; build it: mvn -pl agent -am package -DskipTests" >&2; exit 2; }
[ "$agents" -ge 1 ] && [ "$agents" -le 50 ] || { echo "cluster.sh: -n must be 1-50" >&2; exit 2; }
[ "$trackers" = 0 ] || [ $((trackers % 2)) = 1 ] || { echo "cluster.sh: -t must be 0 or odd" >&2; exit 2; }

work=$(mktemp -d /tmp/modelfs-cluster.XXXXXX)
hub=${prefix}hub
namespaces=() pids=() mounts=()
java_opts=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)

teardown() {
  set +e
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  for m in "${mounts[@]}"; do mountpoint -q "$m" && { fusermount -u -z "$m" 2>/dev/null || umount -l "$m"; }; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap teardown EXIT
trap 'exit 130' INT TERM

addr() { echo "10.231.0.$1"; }

# node NAME HOST_OCTET: a namespace wired to the hub's bridge as eth0.
node() {
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
# spawn NS LOG CMD...: CMD in the namespace, in the background; nsenter execs it, so $! is CMD.
spawn() {
  local ns=$prefix$1 log=$2; shift 2
  nsenter --net="/var/run/netns/$ns" "$@" >"$log" 2>&1 &
  pids+=($!)
}

wait_for() { # wait_for WHAT SECONDS TEST...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" && return 0; sleep 0.2; done
  echo "cluster.sh: $what did not come up in ${secs}s" >&2; return 1
}

ip netns add "$hub"; namespaces+=("$hub")
ip -n "$hub" link add br0 type bridge
ip -n "$hub" link set br0 up

# The origin: a sample model behind an HTTP server with ranges and ETags.
node origin 2
mkdir -p "$work/origin/model" "$work/manifests"
python3 "$root/bench/make_safetensors.py" "$work/origin/model/model.safetensors" "$size" 8
echo '{"model_type": "local-cluster"}' > "$work/origin/model/config.json"
spawn origin "$work/origin.log" python3 "$root/deploy/local/origin.py" "$work/origin" "$(addr 2)" 8080
wait_for "the origin" 20 in_ns origin bash -c "exec 3<>/dev/tcp/$(addr 2)/8080" 2>/dev/null

# Trackers.
tracker_list=""
for t in $(seq 1 "$trackers"); do
  tracker_list+="${tracker_list:+,}t$t=$(addr $((2 + t))):7300"
done
for t in $(seq 1 "$trackers"); do
  node "t$t" $((2 + t))
  mkdir -p "$work/t$t"
  spawn "t$t" "$work/t$t/log" java "${java_opts[@]}" -jar "$jar" tracker --id "t$t" --peers "$tracker_list" --data "$work/t$t/data"
done

# Agents (the import runs in the first agent's namespace: it reads the origin over the bridge).
head -c 32 /dev/urandom | base64 > "$work/swarm.key"
for a in $(seq 1 "$agents"); do
  node "a$a" $((10 + a))
  if [ -n "$rate" ]; then in_ns "a$a" tc qdisc add dev eth0 root tbf rate "$rate" burst 256kb latency 50ms; fi
done
ref=$(in_ns a1 java "${java_opts[@]}" -jar "$jar" import "http://$(addr 2):8080/model/" --name local-cluster \
  --chunk-size 4MiB --manifests "file://$work/manifests/" 2>"$work/import.log" | tail -n 1)
echo "cluster.sh: imported $ref" >&2
for a in $(seq 1 "$agents"); do
  ip=$(addr $((10 + a)))
  mkdir -p "$work/a$a/mnt"
  mounts+=("$work/a$a/mnt")
  tracker_args=(); [ "$trackers" = 0 ] || tracker_args=(--tracker "$tracker_list")
  spawn "a$a" "$work/a$a/log" java "${java_opts[@]}" -jar "$jar" agent --mount "$work/a$a/mnt" --store "$work/a$a/store" \
    --manifests "file://$work/manifests/" --control "$work/a$a/agent.sock" --http "$ip:7070" \
    --listen "$ip:7071" --node-id "a$a" --swarm-key-file "$work/swarm.key" "${tracker_args[@]}"
done
for a in $(seq 1 "$agents"); do
  wait_for "agent a$a (log: $work/a$a/log)" 90 test -S "$work/a$a/agent.sock" || { tail -20 "$work/a$a/log" >&2; exit 1; }
done
echo "cluster.sh: $agents agents, $trackers trackers and the origin are up (prefix $prefix, work $work)" >&2

if [ "$mode" = check ]; then
  printf '%-6s %-14s %10s %8s  %s\n' agent address pull_s MiB check
  failed=0
  for a in $(seq 1 "$agents"); do
    start=$(date +%s.%N)
    if java "${java_opts[@]}" -jar "$jar" pull --agent "$work/a$a/agent.sock" "$ref" >"$work/a$a/pull.log" 2>&1 \
        && cmp -s "$work/origin/model/model.safetensors" "$work/a$a/mnt/$ref/model.safetensors" \
        && cmp -s "$work/origin/model/config.json" "$work/a$a/mnt/$ref/config.json"; then
      check=ok
    else
      check=FAILED failed=1
      tail -5 "$work/a$a/pull.log" "$work/a$a/log" >&2
    fi
    printf '%-6s %-14s %10.2f %8d  %s\n' "a$a" "$(addr $((10 + a)))" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')" "$size" "$check"
  done
  [ $failed = 0 ] && echo "cluster.sh: all $agents agents read the model byte for byte" || echo "cluster.sh: some agents FAILED" >&2
  exit $failed
fi
echo "cluster.sh: try  bin/modelfs pull --agent $work/a1/agent.sock $ref ; ls $work/a1/mnt/$ref ; Ctrl-C tears down" >&2
while true; do sleep 3600; done
