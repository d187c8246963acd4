#!/usr/bin/env bash
# conformance.sh runs the official MCP conformance suite
# (@modelcontextprotocol/conformance, server mode) against the MCP runtime's
# test server (servers/internal/testserver) over streamable HTTP, and fails
# when any scenario fails.
#
# Node 22 and the suite come from the npm registry (npm packages node@22 and
# @modelcontextprotocol/conformance), installed once into a cache directory:
# $PERFGATE_NPM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/perfgate-npm.
# A second run finds them there and installs nothing.
#
# The server gets its database from $TEST_DATABASE_URL. Without it the suite
# is skipped, or fails when $CI is "true" (as the Go tests do).
#
# Usage: scripts/conformance.sh            (from anywhere in the repository)
#        CONFORMANCE_SCENARIOS="ping tools-list" scripts/conformance.sh
set -euo pipefail

node_version=22
suite_version=0.1.16
scenarios=${CONFORMANCE_SCENARIOS:-"server-initialize tools-list ping dns-rebinding-protection"}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${PERFGATE_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/perfgate-npm}

say() { printf 'conformance: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
	if [[ "${CI:-}" == "true" ]]; then
		die "TEST_DATABASE_URL is not set, and CI=true: the conformance suite must not be skipped in CI (make test starts a server; or run: perfgate postgres start)"
	fi
	say "TEST_DATABASE_URL is not set: skipping (make test provides one)"
	exit 0
fi

command -v npm >/dev/null || die "npm is not installed: install Node.js (any version with npm; Node 22 itself comes from npm)"
command -v go >/dev/null || die "go is not installed"

# installed prints the version of an installed package, or nothing.
installed() {
	local pkg=$cache/node_modules/$1/package.json
	[[ -f $pkg ]] && sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

node=$cache/node_modules/.bin/node
suite=$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js
if [[ $(installed node) == "$node_version".* && $(installed @modelcontextprotocol/conformance) == "$suite_version" ]] &&
	"$node" --version 2>/dev/null | grep -q "^v$node_version\."; then
	:
else
	say "installing node@$node_version and @modelcontextprotocol/conformance@$suite_version into $cache"
	mkdir -p "$cache"
	npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
		"node@$node_version" "@modelcontextprotocol/conformance@$suite_version" >&2
	"$node" --version | grep -q "^v$node_version\." || die "the npm package node@$node_version did not provide Node $node_version at $node"
fi
[[ -f $suite ]] || die "the conformance suite is missing at $suite: delete $cache and run again"

work=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say "building the test server"
(cd "$root" && go build -o "$work/mcp-testserver" ./servers/internal/testserver/cmd/mcp-testserver)

# Port 0: the server picks a free port and logs it.
"$work/mcp-testserver" --transport http --addr 127.0.0.1:0 --db-url "$TEST_DATABASE_URL" 2>"$work/server.log" &
server_pid=$!
addr=
for _ in $(seq 1 100); do
	addr=$(sed -n 's/.*"msg":"serving","transport":"http","addr":"\([^"]*\)".*/\1/p' "$work/server.log" | head -n 1)
	[[ -n $addr ]] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the test server exited"; }
	sleep 0.1
done
[[ -n $addr ]] || { cat "$work/server.log" >&2; die "the test server did not start within 10s"; }
url=http://$addr/mcp
say "test server at $url"

failed=()
for scenario in $scenarios; do
	if ! "$node" "$suite" server --url "$url" --scenario "$scenario" --output-dir "$work/results"; then
		failed+=("$scenario")
	fi
done

if ((${#failed[@]} > 0)); then
	say "server log:"
	cat "$work/server.log" >&2
	die "FAILED: ${failed[*]} (of: $scenarios)"
fi
say "passed: $scenarios"
