#!/usr/bin/env bash
# Chunk store benchmark (issue #3): write+verify vs raw SHA-256, cold sequential read through
# the store vs a plain read of the same files, file-per-chunk vs segment layout, and index
# lookups with 1 M chunks. Prints markdown tables. Needs root (drops the page cache) and the
# chunk-store module's test classes:
#
#   mvn -B -o -f chunk-store/pom.xml test-compile && bench/chunk-store-bench.sh
#
# Env: DIR (/var/tmp/modelfs-store-bench) on the disk to measure, MIB (512) data per run,
# CHUNK_MIB (8), INDEX_CHUNKS (1000000), SECONDS_EACH (5), HEAP (2g), SECTIONS (write,read,layout,index).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cp_file=$(mktemp)
snap=$(mktemp -d)
trap 'rm -rf "$cp_file" "$snap"' EXIT
mvn -B -q -f "$root/chunk-store/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
# Copy this project's jars and classes: other builds may reinstall them while the bench runs.
cp -r "$root/chunk-store/target/test-classes" "$snap/test-classes"
cp -r "$root/chunk-store/target/classes" "$snap/classes"
deps=$(tr ':' '\n' < "$cp_file" | while read -r jar; do
  case "$jar" in */io/modelfs/*) cp "$jar" "$snap/" && echo "$snap/$(basename "$jar")" ;; *) echo "$jar" ;; esac
done | paste -sd:)
cp="$snap/test-classes:$snap/classes:$deps"
echo "date: $(date -u +%FT%TZ); machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); disk: $(df --output=source "$(dirname "${DIR:-/var/tmp/x}")" | tail -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user" \
  java -Xmx"${HEAP:-2g}" -Ddir="${DIR:-/var/tmp/modelfs-store-bench}" -Dmib="${MIB:-512}" -DchunkMib="${CHUNK_MIB:-8}" \
  -DindexChunks="${INDEX_CHUNKS:-1000000}" -Dseconds="${SECONDS_EACH:-5}" -Dsections="${SECTIONS:-write,read,layout,index}" \
  -Dlogback.configurationFile="$root/chunk-store/src/test/resources/logback-test.xml" \
  -cp "$cp" io.modelfs.store.StoreBench 2>&1 | grep -vE "^[0-9:.]+ (INFO|WARN)|^\s+at |^\s*\.\.\."
