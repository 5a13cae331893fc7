#!/bin/sh
# Installs the Debian 12 packages wangge builds, tests and runs with.
# Idempotent and non-interactive: packages already present are left alone, and apt is only
# asked when something is missing.
set -eu

PKGS="build-essential cmake pkg-config
libgdal-dev gdal-bin libproj-dev proj-data libgeos-dev
libsqlite3-dev sqlite3 libspatialite-dev libsqlite3-mod-spatialite
libmicrohttpd-dev libjansson-dev curl wrk
libcairo2-dev libpango1.0-dev libpng-dev fonts-noto-cjk fonts-noto-core
check poppler-utils tzdata metis mapserver-bin libfftw3-dev
libpq-dev postgresql-15-postgis-3
clang libclang-rt-14-dev clang-format
chromium"

# The page (web/) is built with node and npm, and its browser test drives chromium. A machine
# whose node comes from elsewhere (a newer Node.js package that carries its own npm) keeps it:
# Debian's npm package would replace that node with Debian's older one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing$missing"
$SUDO apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
