#!/usr/bin/env bash
# One modelfs peer serving SIZE bytes (default 1 GiB) of 8 MiB chunks to another over loopback,
# receiver hashing SHA-256, vs a plain Java socket pair doing the same, in the same JVM and run;
# iperf3 on loopback for context when installed. Prints Markdown tables: MB/s, CPU seconds per GB
# (whole process, both ends, kernel included) and JIT compile time per measured transfer.
# Usage: bench/p2p-transfer.sh [SIZE_BYTES] [ROUNDS] [OUTSTANDING]
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root/p2p-protocol"
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user, %S s sys" \
  java -Xmx512m -Dmodelfs.log.level=WARN -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -cp "$cp" io.modelfs.p2p.TransferBench "${1:-1073741824}" "${2:-3}" "${3:-4}"
if command -v iperf3 >/dev/null; then
  iperf3 -s -1 -p 5599 >/dev/null 2>&1 &
  sleep 0.5
  echo; echo "iperf3 loopback (context):"
  iperf3 -c 127.0.0.1 -p 5599 -n "${1:-1073741824}" -f M | grep -E 'sender|receiver'
  wait
fi
