#!/usr/bin/env bash
# Tracker throughput and latency: a 3-replica Ratis group in one JVM on loopback, driven by
# client threads, against the same operations on the in-process state machine (the baseline).
# Prints a markdown table. Needs the tracker module's test classes:
#
#   mvn -B -o -f tracker/pom.xml test-compile && bench/tracker-bench.sh
#
# Env: THREADS (32) client threads (and registered nodes), SECONDS_EACH (5) per operation, HEAP
# (1g) -Xmx of the JVM, DATA_DIR (/tmp) where the replicas keep their logs (/dev/shm takes the
# disk's fsync out), OPS (all) a comma list of write,heartbeat,report,announce,lease,lease32,lookup,manifest,
# JAVA_OPTS extra JVM flags (e.g. a JFR recording). Heartbeats are sent by 8 x THREADS threads: each
# waits for the leader's next batch, as a fleet's nodes do.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -q -o -f "$root/tracker/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
# Copy this project's jars and classes: other builds may reinstall them while the bench runs.
snap=$(mktemp -d)
data=$(mktemp -d -p "${DATA_DIR:-/tmp}" tracker-bench.XXXXXX)
trap 'rm -rf "$cp_file" "$snap" "$data"' EXIT
cp -r "$root/tracker/target/test-classes" "$snap/test-classes"
cp -r "$root/tracker/target/classes" "$snap/classes"
deps=$(tr ':' '\n' < "$cp_file" | while read -r jar; do
  case "$jar" in */io/modelfs/*) cp "$jar" "$snap/" && echo "$snap/$(basename "$jar")" ;; *) echo "$jar" ;; esac
done | paste -sd:)
cp="$snap/test-classes:$snap/classes:$deps"
echo "date: $(date -u +%FT%TZ); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
  java -Xmx"${HEAP:-1g}" ${JAVA_OPTS:-} -Djava.io.tmpdir="$data" -Dthreads="${THREADS:-32}" -Dseconds="${SECONDS_EACH:-5}" -Dops="${OPS:-}" \
  -Dlogback.configurationFile="$root/tracker/src/test/resources/logback-test.xml" \
  -cp "$cp" io.modelfs.tracker.TrackerBench 2>&1 | grep -vE "^[0-9:.]+ (INFO|WARN)|^\s+at |Exception|^\s*\.\.\."
