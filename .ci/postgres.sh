#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the store's tests against PostgreSQL:
#   .ci/postgres.sh init|start|stop
# The cluster lives in KB_POSTGRES_DIR and listens on 127.0.0.1:KB_POSTGRES_PORT (trust
# authentication, user `kb`; loopback only). .ci/run inits and starts it, and the replica
# test stops and starts it again (it is KB_POSTGRES_CTL) to see the servers do without it.
# Uses Debian's `postgresql` binaries; as root, it runs them as the `postgres` user.
set -euo pipefail
dir="${KB_POSTGRES_DIR:?KB_POSTGRES_DIR names the folder of the cluster}"
port="${KB_POSTGRES_PORT:?KB_POSTGRES_PORT names its port}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "${bin}" ]; then
  echo "postgres.sh: no /usr/lib/postgresql/*/bin: apt-get install -y postgresql" >&2
  exit 1
fi
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  init)
    mkdir -p "${dir}"
    if [ "$(id -u)" = 0 ]; then chown postgres: "${dir}"; fi
    as_postgres "${bin}/initdb" -D "${dir}" -A trust -U kb --no-sync >/dev/null
    ;;
  start)
    as_postgres "${bin}/pg_ctl" -D "${dir}" -l "${dir}/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200" \
      start >/dev/null
    ;;
  stop)
    as_postgres "${bin}/pg_ctl" -D "${dir}" -m fast -w -t 60 stop >/dev/null
    ;;
  *)
    echo "usage: KB_POSTGRES_DIR=… KB_POSTGRES_PORT=… $0 init|start|stop" >&2
    exit 2
    ;;
esac
