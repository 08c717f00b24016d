#!/usr/bin/env bash
# The simulator against the real in-process swarm (issue 9): runs the agent module's
# SimulationAgreementIT (8 real agents with sockets, FUSE mounts, a Ratis tracker and an origin
# counted at its socket, 256 MiB in 8 MiB chunks; and the same scenario, validate-8, in the
# simulator) from a snapshot of the compiled classes, then prints completion times side by side
# and the ratio simulated / real. The IT itself asserts only the origin bytes.
#
# The 8 real agents share this one 2-core machine, and so does validate-8 (host.cores=2 and the CPU
# cost of a MiB, measured on this machine and stated in the scenario file). The IT also reports what
# the real JVM spent (SwarmCpuMeter): its CPU per MiB, and the cores it actually got — on a shared,
# loaded machine fewer than 2. So validate-8 runs twice: as the file says (2 cores), and with
# host.cores set to the cores the real swarm got in this run (its CPU seconds / wall seconds; the
# costs per MiB stay the file's). The second column answers "does the model predict the time,
# given the CPU the machine gave?"; the first, "on an idle machine?".
#
# Env: SIM_VALIDATE_KEEP=FILE keeps the IT's profile (thread groups, CPU and origin over time).
#   mvn -B -o -pl simulations install && mvn -B -o -pl agent test-compile && bench/sim-validate.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cp_file=$(mktemp)
snap=$(mktemp -d)
trap 'rm -rf "$cp_file" "$snap"' EXIT
mvn -B -q -f "$root/agent/pom.xml" dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
# Snapshot: other engineers' builds may rewrite agent/target while the swarm runs.
cp -r "$root/agent/target/classes" "$snap/classes"
cp -r "$root/agent/target/test-classes" "$snap/test-classes"
deps=$(tr ':' '\n' < "$cp_file" | while read -r jar || [ -n "$jar" ]; do
  case "$jar" in */io/modelfs/*) cp "$jar" "$snap/" && echo "$snap/$(basename "$jar")" ;; *) echo "$jar" ;; esac
done | paste -sd:)
engine=$(tr ':' '\n' < "$cp_file" | grep -o 'junit-platform-engine/[^/]*' | head -1 | cut -d/ -f2)
launcher=~/.m2/repository/org/junit/platform/junit-platform-launcher/$engine/junit-platform-launcher-$engine.jar
[ -f "$launcher" ] || mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-launcher:"$engine" >/dev/null
cp="$snap/test-classes:$snap/classes:$deps:$launcher"
javac -d "$snap/runner" -cp "$cp" "$root/bench/JUnitRun.java"
echo "date: $(date -u +%FT%TZ); machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$snap" && java -Xmx3g -Dsim.agreement.out="$snap/agreement.csv" -Dsim.agreement.profile="$snap/profile.txt" -cp "$snap/runner:$cp" JUnitRun io.modelfs.agent.SimulationAgreementIT) >&2 \
  || { echo "SimulationAgreementIT failed (see above)" >&2; [ -f "$snap/agreement.csv" ] && cat "$snap/agreement.csv" >&2; exit 1; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "real swarm (SwarmCpuMeter):"; sed -n '1,/^t_s,/p' "$snap/profile.txt" | grep -v '^t_s,'
[ -n "${SIM_VALIDATE_KEEP:-}" ] && cp "$snap/profile.txt" "$SIM_VALIDATE_KEEP"
got=$(sed -n 's/^cost: cores=\([0-9.]*\) .*/\1/p' "$snap/profile.txt")
echo "scenario file: $(java -cp "$cp" io.modelfs.sim.SimulateCommand validate-8 --out "$snap/file" | grep 'lower bound')"
java -cp "$cp" io.modelfs.sim.SimulateCommand validate-8 --set host.cores="$got" --out "$snap/shared" >/dev/null
# The shared-host column, by rank, beside the IT's rows.
tail -n +2 "$snap/shared/completion.csv" | awk -F, '$2 == "modelfs swarm" { print $4 }' | sort -g > "$snap/shared.txt"
paste -d, "$snap/agreement.csv" <(echo "shared_s"; cat "$snap/shared.txt") | grep -v '^#' > "$snap/joined.csv"
grep '^#' "$snap/agreement.csv" >> "$snap/joined.csv" || true
mv "$snap/joined.csv" "$snap/agreement.csv"
awk -F, '
  /^#/ { sub(/^# /, ""); note = $0; next }
  NR == 1 { printf "| node (by finish) | real s | simulated s (validate-8: 2 cores) | ratio | simulated s (the cores the real run got) | ratio |\n|---|---|---|---|---|---|\n"; next }
  { printf "| %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", $1, $2, $3, $3 / $2, $4, $4 / $2; last_r = $2; last_s = $3; last_h = $4; sum += ($4 / $2); n++ }
  END { printf "\nall ready: real %.2f s; simulated %.2f s on 2 cores (ratio %.2f), %.2f s on the cores the run got (ratio %.2f); mean per-node ratio (cores got) %.2f; %s\n", last_r, last_s, last_s / last_r, last_h, last_h / last_r, sum / n, note }
' "$snap/agreement.csv"
