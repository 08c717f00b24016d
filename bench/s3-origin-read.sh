#!/usr/bin/env bash
# Reads one object (default 1 GiB) from s3proxy through the S3 origin into memory, for several
# part sizes and concurrencies, and with curl -o /dev/null as the baseline, in the same run;
# prints Markdown tables: loopback with no limits, then (PER_CONN_MBPS, default 80) with every
# connection capped at that rate by a pacing proxy, the way a cloud object store caps one
# connection — where parallel ranged reads must beat one stream.
# Usage: [PER_CONN_MBPS=80] bench/s3-origin-read.sh [SIZE] [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
mvn -B -q -f origin-adapters/pom.xml test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cd origin-adapters
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "# $(date -u +%FT%TZ) $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
exec java -Xmx1g -XX:MaxDirectMemorySize=1200m -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -cp "$cp" io.modelfs.origin.S3ReadBench "${1:-1GiB}" "${2:-3}" "${PER_CONN_MBPS:-80}"
