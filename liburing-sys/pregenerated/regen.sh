#!/usr/bin/env bash
# Rewrites this folder from the installed liburing through a normal build of
# system-liburing-sys that also copies its outputs here (LIBURING_SYS_WRITE_PREGENERATED).
# Meant for Debian 12's liburing-dev 2.3 on x86_64: that is what the docs promise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
expected=${EXPECTED_LIBURING_VERSION:-2.3}
cd "$here/../.."

if [ -n "${DOCS_RS:-}${LIBURING_SYS_DOCS_ONLY:-}" ]; then
    echo "regen.sh: unset DOCS_RS / LIBURING_SYS_DOCS_ONLY: a docs-only build cannot regenerate" >&2
    exit 1
fi
LIBURING_SYS_WRITE_PREGENERATED="$here" cargo build -p system-liburing-sys

got=$(sed -n 's/^version=//p' "$here/links-metadata.txt")
if [ "$got" != "$expected" ]; then
    echo "regen.sh: the build found liburing $got, not $expected. Undo with" >&2
    echo "    git checkout -- liburing-sys/pregenerated" >&2
    echo "or set EXPECTED_LIBURING_VERSION=$got to keep it." >&2
    exit 1
fi
git status --short -- "$here"
