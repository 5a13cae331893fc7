#!/usr/bin/env bash
# tests/lint.sh ROOT: the hygiene of the C sources under ROOT, as a test.
#   1. every tracked .c and .h file is formatted as .clang-format says (clang-format --dry-run);
#   2. none calls a banned function: atoi/atol/atof (no error reporting: use strtol/strtod with
#      an end check), strtok (hidden state), sprintf/vsprintf/strcpy/strcat/strncpy/strncat/gets
#      (unbounded or silently truncating: use snprintf), tmpnam/mktemp (races: mkstemp).
# Fails naming every file and line at fault.
set -euo pipefail
root=${1:?usage: lint.sh ROOT}
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files '*.c' '*.h')
else # an exported tree: every C file but the build trees'
    mapfile -t files < <(find . -path ./build -prune -o -name '*.[ch]' -print | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "lint: no C files under $root" >&2; exit 1; }
status=0

if ! command -v clang-format >/dev/null; then
    echo "lint: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/lint-format.$$; then
    n=$(grep -cE '^[^ ].*: (error|warning):' /tmp/lint-format.$$ || true)
    grep -E '^[^ ].*: (error|warning):' /tmp/lint-format.$$ | sed -n '1,50s/^/lint: format: /p' || true
    echo "lint: $n formatting differences; run clang-format -i on the files named" >&2
    status=1
fi
rm -f /tmp/lint-format.$$

banned='\b(atoi|atol|atoll|atof|strtok|sprintf|vsprintf|strcpy|strcat|strncpy|strncat|gets|tmpnam|mktemp)[[:space:]]*\('
# calls only: lines that are comments (" * ..." or "// ...") do not count
if hits=$(grep -nE "$banned" "${files[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)'); then
    echo "$hits" | sed 's/^/lint: banned function: /'
    status=1
fi
[ "$status" -eq 0 ] && echo "lint: ${#files[@]} files formatted, no banned function"
exit "$status"
