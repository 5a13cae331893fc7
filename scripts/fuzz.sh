#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for a while each, one after another, in one process
# each (one core):
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]
# SECONDS_PER_TARGET defaults to 60; the targets default to all of them (tests/fuzz/CMakeLists.txt
# lists them). It configures and builds build/fuzz with clang, -DWG_FUZZ=ON and ASan/UBSan, then
# fuzzes each target starting from a copy of tests/fuzz/corpus/TARGET in a temporary folder, so
# the corpus in the repository grows only by hand. Every input that crashed, leaked or timed out
# is copied to tests/fuzz/corpus/TARGET/crash-<sha1, 12 digits> (where the replay tests will run
# it from then on). Prints one line per target:
#   TARGET  SECONDS s  EXECUTIONS execs  EXEC/S exec/s  CRASHES crashes
# and exits 1 when any target found something, 2 when the build or a run itself failed.
# Each target's output is kept in build/fuzz/logs/TARGET.log.
# FUZZ_BUILD_JOBS sets the build's parallelism (1); FUZZ_TIMEOUT the seconds one input may take
# before it counts as a timeout (30).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
all="time tzif categories weights wkb csv geojson postings visits route query"

secs=60
if [ $# -gt 0 ]; then
    case $1 in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS_PER_TARGET] [TARGET ...] (targets: $all)" >&2
        exit 2
        ;;
    esac
    secs=$1
    shift
fi
targets=${*:-$all}
for t in $targets; do
    case " $all " in
    *" $t "*) ;;
    *)
        echo "fuzz.sh: unknown target '$t' (targets: $all)" >&2
        exit 2
        ;;
    esac
done

command -v clang >/dev/null || {
    echo "fuzz.sh: clang is needed (scripts/install-deps.sh installs it)" >&2
    exit 2
}
echo "fuzz.sh: building $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS=-O1 -DWG_SANITIZE=address,undefined -DWG_FUZZ=ON -DWG_BUILD_BENCH=OFF \
    >"$build.configure.log" 2>&1 || {
    cat "$build.configure.log" >&2
    exit 2
}
build_targets=""
for t in $targets; do
    build_targets="$build_targets fuzz_$t"
done
# shellcheck disable=SC2086
cmake --build "$build" -j "${FUZZ_BUILD_JOBS:-1}" --target $build_targets >"$build.build.log" 2>&1 || {
    tail -n 40 "$build.build.log" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/wangge-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$build/logs"

found=0
failed=0
total_secs=0
total_execs=0
for t in $targets; do
    w=$work/$t
    mkdir -p "$w/corpus" "$w/artifacts" "$w/tmp"
    cp "$root/tests/fuzz/corpus/$t"/* "$w/corpus/" 2>/dev/null
    log=$build/logs/$t.log
    t0=$(date +%s)
    # TMPDIR: the target's own temporary folder (workspace, inputs, rejects) lives under $w.
    (cd "$w" && TMPDIR=$w/tmp \
        ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        LSAN_OPTIONS=suppressions=$root/tests/lsan.supp \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-30}" \
        -print_final_stats=1 -artifact_prefix="$w/artifacts/" "$w/corpus") >"$log" 2>&1
    rc=$?
    t1=$(date +%s)
    elapsed=$((t1 - t0))
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    if [ -z "$execs" ]; then # no final stats: the last status line "#N ..."
        execs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | tail -n 1)
    fi
    execs=${execs:-0}
    crashes=0
    for a in "$w/artifacts"/crash-* "$w/artifacts"/leak-* "$w/artifacts"/timeout-* \
        "$w/artifacts"/oom-*; do
        [ -f "$a" ] || continue
        sha=$(sha1sum "$a" | cut -c1-12)
        cp "$a" "$root/tests/fuzz/corpus/$t/crash-$sha"
        echo "fuzz.sh: $t: $(basename "$a" | cut -d- -f1) kept as tests/fuzz/corpus/$t/crash-$sha" >&2
        crashes=$((crashes + 1))
    done
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
        echo "fuzz.sh: $t: the fuzzer failed (exit $rc) without an input to keep; see $log" >&2
        failed=1
    fi
    [ "$crashes" -gt 0 ] && found=1
    rate=$(awk -v n="$execs" -v s="$elapsed" 'BEGIN { printf "%.0f", (s > 0 ? n / s : n) }')
    printf '%-11s %6d s %12d execs %8s exec/s %3d crashes\n' "$t" "$elapsed" "$execs" "$rate" \
        "$crashes"
    total_secs=$((total_secs + elapsed))
    total_execs=$((total_execs + execs))
done
printf '%-11s %6d s %12d execs\n' "total" "$total_secs" "$total_execs"
if [ "$failed" -ne 0 ]; then
    exit 2
fi
exit "$found"
