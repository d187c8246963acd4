#!/usr/bin/env bash
# setup.sh installs what a fresh Debian/Ubuntu machine lacks to run perfgate's
# tests and suites: the PostgreSQL server, its development files, a C
# toolchain, and the pgvector extension.
#
# Debian 12 packages PostgreSQL 15 but not pgvector, so when the extension is
# missing this script builds it from Debian's own source package (suite
# trixie), fetched with `apt-get source` through a private apt state directory
# whose only entry is a deb-src line built from the machine's own mirror. The
# machine's apt configuration is never modified.
#
# It is idempotent: with everything present it changes nothing and returns in
# well under a second. Environment:
#   PG_MAJOR        PostgreSQL major version to provision (default: the newest
#                   installed one, else 15)
#   PGVECTOR_SUITE  Debian suite to take the pgvector source from (default trixie)
set -euo pipefail

# The newest PostgreSQL already installed wins (16 on Ubuntu 24.04 runners);
# otherwise Debian 12's 15.
if [ -z "${PG_MAJOR:-}" ]; then
	PG_MAJOR=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
	PG_MAJOR=${PG_MAJOR:-15}
fi
PGVECTOR_SUITE=${PGVECTOR_SUITE:-trixie}
PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (run this script as root or install sudo)"
	fi
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian and Ubuntu; on other systems install PostgreSQL ${PG_MAJOR} with pgvector yourself and set DATABASE_URL"

# 1. Packages.
missing=()
for pkg in "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" build-essential; do
	installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq || die "apt-get update failed: check the machine's apt sources and network"
	as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi
[ -x "$PG_CONFIG" ] || die "$PG_CONFIG not found after installing postgresql-server-dev-${PG_MAJOR}"

# 2. pgvector.
sharedir=$("$PG_CONFIG" --sharedir)
pkglibdir=$("$PG_CONFIG" --pkglibdir)
if [ -f "$sharedir/extension/vector.control" ] && [ -f "$pkglibdir/vector.so" ]; then
	say "PostgreSQL ${PG_MAJOR} with pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$sharedir/extension/vector.control") is ready"
	exit 0
fi

# Ubuntu (and the PGDG archive) package pgvector: prefer the package.
if apt-cache policy "postgresql-${PG_MAJOR}-pgvector" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
	say "installing postgresql-${PG_MAJOR}-pgvector"
	as_root apt-get install -y -qq --no-install-recommends "postgresql-${PG_MAJOR}-pgvector" >/dev/null ||
		die "apt-get install postgresql-${PG_MAJOR}-pgvector failed"
	exit 0
fi

sources=/etc/apt/sources.list.d/debian.sources
[ -r "$sources" ] || die "$sources not found: cannot derive a Debian mirror to fetch the pgvector source from; install pgvector for PostgreSQL ${PG_MAJOR} by hand (https://github.com/pgvector/pgvector#installation)"
uri=$(awk '/^URIs:/ { print $2; exit }' "$sources")
[ -n "$uri" ] || die "no URIs: line in $sources"
keyring=$(awk '/^Signed-By:/ { print $2; exit }' "$sources")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
if [ -n "$keyring" ]; then
	printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$uri" "$PGVECTOR_SUITE" >"$work/sources.list"
else
	printf 'deb-src %s %s main\n' "$uri" "$PGVECTOR_SUITE" >"$work/sources.list"
fi
apt_private=(
	-o "Dir::State::Lists=$work/lists"
	-o "Dir::Cache=$work/cache"
	-o "Dir::Etc::SourceList=$work/sources.list"
	-o "Dir::Etc::SourceParts=$work/none"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=$(id -un)"
)
say "fetching the pgvector source package from Debian ${PGVECTOR_SUITE}"
apt-get "${apt_private[@]}" -qq update || die "apt-get update of the private deb-src entry for ${PGVECTOR_SUITE} failed"
(cd "$work/src" && apt-get "${apt_private[@]}" -qq source pgvector >/dev/null) ||
	die "apt-get source pgvector failed (is dpkg-dev installed?)"
srcdir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)
[ -n "$srcdir" ] || die "the pgvector source package did not unpack"

say "building $(basename "$srcdir") for PostgreSQL ${PG_MAJOR}"
make -s -C "$srcdir" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" -j"$(nproc)" >/dev/null 2>"$work/build.log" ||
	{ cat "$work/build.log" >&2; die "building pgvector failed"; }
as_root make -s -C "$srcdir" PG_CONFIG="$PG_CONFIG" install >/dev/null ||
	die "installing pgvector failed"
[ -f "$sharedir/extension/vector.control" ] || die "pgvector installed but $sharedir/extension/vector.control is missing"
say "pgvector installed into $sharedir/extension"
