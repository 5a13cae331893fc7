# tests/pg/cluster.sh: a throwaway PostgreSQL/PostGIS cluster for a test (sourced, not run).
#   pg_cluster_start DIR   initdb + pg_ctl start in DIR/pg, listening on a unix socket in DIR/pg
#                          only (no TCP), trust authentication, PostGIS enabled in database
#                          "wangge"; sets PG_SOCKET and PG_CONN (a libpq connection string).
#                          Returns 77 where PostgreSQL or PostGIS is not installed (the caller
#                          reports a skip, never a pass), 1 when it is but does not start.
#   pg_cluster_stop        stops it (the caller's EXIT trap calls it, so it stops whatever
#                          happens) and removes the folder.
#   pg_psql SQL...         psql on the cluster, unaligned, tuples only, stopping on an error.
# PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the `postgres` user
# (runuser), in a folder given to that user.

pg__bin=""
pg__dir=""
pg__as=""

pg__find()
{
    local d
    if command -v initdb >/dev/null 2>&1; then
        pg__bin=$(dirname "$(readlink -f "$(command -v initdb)")")
    fi
    if [ -z "$pg__bin" ] || [ ! -x "$pg__bin/pg_ctl" ]; then
        for d in /usr/lib/postgresql/*/bin; do
            [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && pg__bin=$d
        done
    fi
    [ -n "$pg__bin" ] && [ -x "$pg__bin/pg_ctl" ]
}

pg_cluster_start()
{
    if ! pg__find; then
        echo "SKIP: no PostgreSQL server here (initdb, pg_ctl): install postgresql-15-postgis-3"
        return 77
    fi
    if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
        echo "SKIP: PostgreSQL without PostGIS here: install postgresql-15-postgis-3"
        return 77
    fi
    pg__dir=$1/pg
    mkdir -p "$pg__dir" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "no postgres user to run the server as"; return 1; }
        chown postgres: "$pg__dir" || return 1
        chmod 755 "$1"
        pg__as="runuser -u postgres --"
    fi
    if ! $pg__as "$pg__bin/initdb" -D "$pg__dir/data" -A trust -U postgres -E UTF8 --locale=C -N \
        >"$pg__dir/initdb.log" 2>&1; then
        echo "initdb failed:"; tail -n 20 "$pg__dir/initdb.log"
        return 1
    fi
    if ! $pg__as "$pg__bin/pg_ctl" -D "$pg__dir/data" -l "$pg__dir/server.log" \
        -o "-k '$pg__dir' -c listen_addresses=''" -w start >/dev/null 2>&1; then
        echo "the PostgreSQL server did not start:"; tail -n 20 "$pg__dir/server.log"
        return 1
    fi
    PG_SOCKET=$pg__dir
    PG_CONN="host=$pg__dir user=postgres dbname=wangge"
    "$pg__bin/psql" -X -q -h "$pg__dir" -U postgres -d postgres -c "CREATE DATABASE wangge" \
        >/dev/null || return 1
    pg_psql "CREATE EXTENSION postgis" >/dev/null || return 1
    return 0
}

# pg_cluster_for_test DIR: pg_cluster_start for a test script: it exits 77 (a skip) where there
# is no PostgreSQL/PostGIS, and fails when the cluster does not start.
pg_cluster_for_test()
{
    pg_cluster_start "$1"
    case $? in
    0) ;;
    77) exit 77 ;;
    *) echo "FAIL: the PostgreSQL cluster did not start"; exit 1 ;;
    esac
}

pg_psql()
{
    "$pg__bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pg__dir" -U postgres -d wangge -c "$*"
}

pg_cluster_stop()
{
    [ -n "$pg__dir" ] && [ -d "$pg__dir/data" ] || return 0
    $pg__as "$pg__bin/pg_ctl" -D "$pg__dir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$pg__dir"
    pg__dir=""
}
