#!/usr/bin/env bash
# gate-quality.sh measures how often the gate raises a false alarm on
# unchanged code and how often it detects a real slowdown
# (docs/gate-quality.md). It repeats `perfgate dry-run` N times in one mode
# and prints one line per run and a tally:
#
#   scripts/gate-quality.sh MODE N [perfgate dry-run flags...]
#
# MODE is one of
#   committed        unchanged code against the committed baselines
#   base-ref         unchanged code against its merge-base (--base-ref HEAD)
#   committed-slow   BenchmarkParseBench 15% slower, against the baselines
#   base-ref-slow    the same, against the merge-base run interleaved
# The slowdown is PERFGATE_EXPERIMENT_SLOWDOWN (gate/run/bench_test.go:
# the parser re-parses that fraction of its input),
# which the merge-base side of a --base-ref run ignores. Extra flags, e.g.
# --profile quick --suite gate, go to every run. Outputs are kept in
# $GQ_OUT (default /tmp/perfgate-gate-quality/MODE/<i>/).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: scripts/gate-quality.sh MODE N [dry-run flags...]}
n=${2:?usage: scripts/gate-quality.sh MODE N [dry-run flags...]}
shift 2
slowdown=${GQ_SLOWDOWN:-1.15}
out=${GQ_OUT:-/tmp/perfgate-gate-quality}/$mode
args=()
unset PERFGATE_EXPERIMENT_SLOWDOWN
case $mode in
committed) ;;
base-ref) args+=(--base-ref HEAD) ;;
committed-slow) export PERFGATE_EXPERIMENT_SLOWDOWN=$slowdown ;;
base-ref-slow)
	args+=(--base-ref HEAD)
	export PERFGATE_EXPERIMENT_SLOWDOWN=$slowdown
	;;
*)
	echo "gate-quality: unknown mode $mode: committed, base-ref, committed-slow or base-ref-slow" >&2
	exit 2
	;;
esac

go build -o "${TMPDIR:-/tmp}/perfgate-gq-bin/perfgate" ./cmd/perfgate
bin="${TMPDIR:-/tmp}/perfgate-gq-bin/perfgate"
mkdir -p "$out"

alarms=0
detected=0
for i in $(seq "$n"); do
	dir="$out/$i"
	rm -rf "$dir"
	code=0
	"$bin" dry-run --out "$dir" "${args[@]}" "$@" >"$out/$i.stdout" 2>"$out/$i.stderr" || code=$?
	if [ "$code" -ge 2 ]; then
		echo "run $i: perfgate exited $code; see $out/$i.stderr" >&2
		exit "$code"
	fi
	# Regressions, by benchmark and unit, from the report. The injected
	# slowdown is detected when BenchmarkParseBench's sec/op is a
	# regression. Its other units move with it (B/s; B/op and allocs/op,
	# as the slower parser parses more): real effects of the change, neither
	# detections nor false alarms. Any other regression, or any at all
	# without a slowdown, is a false alarm.
	regs=$(go run ./scripts/gate-quality/regressions "$dir/report.json")
	injected=no
	others=0
	while IFS= read -r r; do
		[ -z "$r" ] && continue
		case $mode:$r in
		*-slow:*" ParseBench-"*" sec/op "*) injected=yes ;;
		*-slow:*" ParseBench-"*) ;;
		*) others=$((others + 1)) ;;
		esac
	done <<<"$regs"
	[ "$others" -gt 0 ] && alarms=$((alarms + 1))
	[ "$injected" = yes ] && detected=$((detected + 1))
	echo "run $i: exit $code, injected slowdown detected: $injected, false alarms: $others" \
		"$(echo "$regs" | tr '\n' ';')"
done
echo "mode $mode, $n runs ($*): runs with a false alarm: $alarms; runs that detected the injected slowdown: $detected"
