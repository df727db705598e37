# Sourced by ci/sql-vs-postgres and ci/bench: starts a scratch PostgreSQL 15 cluster
# (C locale, on 127.0.0.1:$PG_PORT, in a temporary directory) and stops and removes it
# when the calling script exits. Sets PG_CONNINFO.
pg_bin=/usr/lib/postgresql/15/bin
pg_port="${PG_PORT:-55432}"
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL 15 is not installed (ci/setup installs it)"; exit 2; }
pg_scratch="$(mktemp -d /tmp/quanta-pg.XXXXXX)"
pg_as=()
if [ "$(id -u)" -eq 0 ]; then  # initdb refuses to run as root
  chown postgres "$pg_scratch"
  pg_as=(runuser -u postgres --)
fi
pg_cleanup() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_scratch/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_scratch"
}
trap pg_cleanup EXIT
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_scratch/data" -U postgres --locale=C -E UTF8 -A trust >/dev/null
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_scratch/data" -l "$pg_scratch/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_scratch ${PG_OPTIONS:-}" start >/dev/null
PG_CONNINFO="host=127.0.0.1 port=$pg_port user=postgres dbname=postgres"
