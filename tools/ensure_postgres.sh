#!/usr/bin/env bash
# Make sure a local PostgreSQL answers and that the current OS user has a
# database role that may create databases (Odoo connects through the local
# socket as that user). Starts the local cluster when none answers.
set -euo pipefail

if ! command -v pg_isready >/dev/null 2>&1; then
    echo "PostgreSQL client tools not found: install PostgreSQL (e.g. 'apt-get install postgresql')." >&2
    exit 1
fi

if ! pg_isready -q; then
    echo "No PostgreSQL answers; starting a local cluster..."
    if command -v pg_lsclusters >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
        read -r version cluster _ < <(pg_lsclusters --no-header | head -n 1) || true
        if [ -z "${version:-}" ]; then
            version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
            cluster=main
            pg_createcluster "$version" "$cluster"
        fi
        pg_ctlcluster "$version" "$cluster" start
    elif command -v pg_ctlcluster >/dev/null 2>&1; then
        read -r version cluster _ < <(pg_lsclusters --no-header | head -n 1)
        pg_ctlcluster "$version" "$cluster" start
    else
        echo "Cannot start PostgreSQL from here: start your server and retry." >&2
        exit 1
    fi
    for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
    pg_isready -q || { echo "PostgreSQL did not start." >&2; exit 1; }
fi

me=$(id -un)
if ! psql -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && id postgres >/dev/null 2>&1; then
        echo "Creating PostgreSQL role '$me' (may create databases)..."
        su postgres -c "psql -q -c \"CREATE ROLE \\\"$me\\\" LOGIN CREATEDB SUPERUSER\""
    else
        echo "PostgreSQL answers but role '$me' cannot connect: create it (createuser -d $me)." >&2
        exit 1
    fi
fi
