#!/usr/bin/env bash
# load.sh is perfgate.yml's `load` and `search` suites: the servers, as the
# real binaries over streamable HTTP, under `perfgate load` with many
# concurrent MCP client sessions, a ramp and think time, for several rounds.
# It prints only perfgate load's Go benchmark results on stdout; everything
# else goes to stderr (perfgate keeps it next to the results).
#
# It needs DATABASE_URL (perfgate sets it). The servers share that database
# (each keeps its own migration table); the run uses a project of its own.
#
# Sizes, from the environment (perfgate.yml's profiles set them):
#   LOAD_CLIENTS (50)  LOAD_RAMP (5s)  LOAD_DURATION (10s)  LOAD_ROUNDS (3)
#   LOAD_THINK (100ms..400ms)  LOAD_FIXTURE_FILES (2000): the indexed repository
#   LOAD_SCENARIOS ("codebase-search workflow-mix"): which, in order; only the
#   servers they need are started
#   BIN_DIR (a directory of its own): where the programs are built and kept
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${DATABASE_URL:?load: DATABASE_URL is not set (perfgate run/dry-run sets it; or export one with pgvector)}"
GO=${GO:-go}
clients=${LOAD_CLIENTS:-50}
ramp=${LOAD_RAMP:-5s}
duration=${LOAD_DURATION:-10s}
rounds=${LOAD_ROUNDS:-3}
think=${LOAD_THINK:-100ms..400ms}
files=${LOAD_FIXTURE_FILES:-2000}
scenarios=${LOAD_SCENARIOS:-codebase-search workflow-mix}
project="perfgate-load-$$"

work=$(mktemp -d)
pids=()
cleanup() {
	status=$?
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { echo "load: $*" >&2; }

# BIN_DIR (perfgate.yml: bin/) keeps the programs between suites and runs:
# go build does not relink what is up to date. Without it, a directory of
# this run's own.
bin=${BIN_DIR:-$work/bin}
mkdir -p "$bin"
"$GO" build -o "$bin/" ./cmd/perfgate ./cmd/codebase-mcp ./cmd/workflow-mcp ./servers/codebase/fixture/fixturegen

# serve NAME ARGS... starts a server on a free port and sets $url to its
# /mcp endpoint, read from its "serving" log line.
serve() {
	local name=$1
	shift
	"$bin/$name" --transport http --addr 127.0.0.1:0 --db-url "$DATABASE_URL" "$@" 2>"$work/$name.log" &
	pids+=("$!")
	url=""
	for _ in $(seq 200); do
		url=$(sed -n 's/.*"msg":"serving".*"url":"\([^"]*\)".*/\1/p' "$work/$name.log" | head -n1)
		[ -n "$url" ] && break
		if ! kill -0 "${pids[-1]}" 2>/dev/null; then
			cat "$work/$name.log" >&2
			log "$name exited before serving"
			exit 3
		fi
		sleep 0.05
	done
	[ -n "$url" ] || { cat "$work/$name.log" >&2; log "$name did not start serving within 10 s"; exit 3; }
	log "$name serving at $url"
}

started=()
status=0
for scenario in $scenarios; do
	case $scenario in
	codebase-search)
		# The generated repository is deterministic: keep it between runs,
		# as the codebase benchmarks do, marked complete once fully written.
		repo="${TMPDIR:-/tmp}/perfgate-codebase-fixture-$files-1"
		if [ ! -e "$repo.complete" ]; then
			rm -rf "$repo"
			"$bin/fixturegen" -files "$files" -seed 1 "$repo" >&2
			touch "$repo.complete"
		fi
		log "indexing $files files into project $project"
		"$bin/codebase-mcp" index --db-url "$DATABASE_URL" --root "$repo" --project "$project" "$repo" >&2
		serve codebase-mcp --root "$repo"
		started+=(codebase-mcp)
		;;
	workflow-mix)
		serve workflow-mcp
		started+=(workflow-mcp)
		;;
	*)
		log "unknown scenario $scenario in LOAD_SCENARIOS"
		exit 2
		;;
	esac
	log "perfgate load --scenario $scenario: $clients clients, ramp $ramp, $rounds rounds of $duration, think $think"
	"$bin/perfgate" load --url "$url" --scenario "$scenario" --project "$project" --clients "$clients" \
		--ramp "$ramp" --duration "$duration" --rounds "$rounds" --think "$think" || status=$?
done
# The servers' own logs, for the suite's stderr file.
for name in "${started[@]}"; do
	log "$name: $(grep -c '"tool"' "$work/$name.log" || true) tool-call log lines"
done
exit "$status"
