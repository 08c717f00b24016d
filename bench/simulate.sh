#!/usr/bin/env bash
# Runs a simulation scenario from the simulations module's classes (no agent jar needed) and
# reports the simulator's own cost: events, events per second, wall time, peak RSS.
# The same as `bin/modelfs simulate SCENARIO`, which needs the shaded agent jar.
#
#   mvn -B -o -pl simulations install && bench/simulate.sh scale-10000 [--set chunk.size=256MiB] [--out DIR]
#
# A long run prints its progress (simulated time, nodes ready, events per CPU-second) to stderr
# every minute, and its simulator CPU time at the end.
# Env: HEAP (4g) -Xmx.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 SCENARIO [--set KEY=VALUE]... [--out DIR]" >&2; exit 2; }
cp_file=$(mktemp)
snap=$(mktemp -d)
trap 'rm -rf "$cp_file" "$snap"' EXIT
mvn -B -q -f "$root/simulations/pom.xml" dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" >/dev/null
# Snapshot this project's jars and classes: other builds may reinstall them while the run lasts.
cp -r "$root/simulations/target/classes" "$snap/classes"
deps=$(tr ':' '\n' < "$cp_file" | while read -r jar || [ -n "$jar" ]; do
  case "$jar" in */io/modelfs/*) cp "$jar" "$snap/" && echo "$snap/$(basename "$jar")" ;; *) echo "$jar" ;; esac
done | paste -sd:)
echo "date: $(date -u +%FT%TZ); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: bench/simulate.sh $*"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
  java -Xmx"${HEAP:-4g}" -cp "$snap/classes:$deps" io.modelfs.sim.SimulateCommand "$@"
