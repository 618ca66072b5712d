#!/usr/bin/env bash
# PostgreSQL for the relay's store tests and bench:relay: installs PostgreSQL 15 from Debian when
# missing, starts it, and creates the `plushlink` role and `plushlink_relay_test` database that
# the tests reach at postgres://plushlink:plushlink@127.0.0.1:5432/plushlink_relay_test
# (PLUSHLINK_TEST_PG overrides it). Idempotent: safe to run on a machine that has all of it.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
version=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $2}')
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  cluster=main
  pg_createcluster "$version" "$cluster" >/dev/null
fi
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
psql_do() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtAc \"$1\""; }
[ "$(psql_do "select 1 from pg_roles where rolname='plushlink'")" = 1 ] || psql_do "create role plushlink login password 'plushlink'"
[ "$(psql_do "select 1 from pg_database where datname='plushlink_relay_test'")" = 1 ] || psql_do "create database plushlink_relay_test owner plushlink"
