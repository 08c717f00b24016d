#!/usr/bin/env bash
# Reads one object (default 1 GiB) from s3proxy on loopback through the S3 origin into memory,
# for several part sizes and concurrencies, and with curl -o /dev/null as the baseline, in the
# same run; prints a Markdown table. Usage: bench/s3-origin-read.sh [SIZE] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
mvn -B -q -o -f origin-adapters/pom.xml test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cd origin-adapters
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "# $(date -u +%FT%TZ) $(nproc) cores; $(java -version 2>&1 | head -1)"
exec java -Xmx1g -XX:MaxDirectMemorySize=1200m -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -cp "$cp" io.modelfs.origin.S3ReadBench "${1:-1GiB}" "${2:-3}"
