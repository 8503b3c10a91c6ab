#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: installs Debian's `postgresql` when initdb/pg_ctl are missing,
# creates a cluster in a temporary folder, starts it on 127.0.0.1 on a free port (unix socket in the same folder),
# creates a database, exports MASHUP_TEST_DATABASE_URL, runs "$@", then stops and removes the cluster.
# Usage: scripts/with-postgres.sh swift test -c release --skip-build
set -euo pipefail

if [ $# -eq 0 ]; then echo "usage: $0 command [args...]" >&2; exit 2; fi

find_pg_bin() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

PG_BIN="$(find_pg_bin || true)"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: installing postgresql" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  # The package may start its own "main" cluster on 5432: not ours, stop it.
  if command -v pg_lsclusters >/dev/null; then
    pg_lsclusters -h 2>/dev/null | while read -r version cluster _; do $SUDO pg_ctlcluster "$version" "$cluster" stop 2>/dev/null || true; done
  fi
  PG_BIN="$(find_pg_bin)"
fi

# initdb refuses to run as root: run the server as the `postgres` system user then.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  RUN_AS=(runuser -u postgres --)
fi

WORK="$(mktemp -d /tmp/mashup-pg.XXXXXX)"
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)"

# The server user may not be able to enter the caller's folder: run its tools from the cluster folder.
pg() { (cd "$WORK" && "${RUN_AS[@]}" "$@"); }

cleanup() {
  pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

pg "$PG_BIN/initdb" -D "$WORK/data" -U mashup --auth=trust -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORK -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
  || { cat "$WORK/server.log" >&2; exit 1; }
pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U mashup mashup_test

export MASHUP_TEST_DATABASE_URL="postgres://mashup@127.0.0.1:$PORT/mashup_test"
echo "with-postgres: PostgreSQL $("$PG_BIN/pg_ctl" --version | grep -oE '[0-9]+(\.[0-9]+)+' | head -1) on 127.0.0.1:$PORT" >&2
set +e
"$@"
status=$?
set -e
exit $status
