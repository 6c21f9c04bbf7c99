#!/usr/bin/env bash
# MSRV gate. With the `rust-version` toolchain installed, build the published crates with
# it. This machine can fetch no other toolchain, so otherwise two checks stand in:
#  1. every crate that building the published crates needs (normal and build
#     dependencies, all features) declares a rust-version no newer than ours;
#  2. clippy's incompatible_msrv lint (std APIs stabilised after rust-version) is denied.
# Dev-dependencies (criterion, proptest) may need a newer Rust: they only run our tests.
set -euo pipefail
cd "$(dirname "$0")/.."
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
echo "MSRV (workspace rust-version): $msrv"
if rustup toolchain list 2>/dev/null | grep -q "^$msrv"; then
    cargo "+$msrv" check -p system-liburing -p system-liburing-sys --all-features
    exit 0
fi
echo "no $msrv toolchain here: checking dependency rust-versions and clippy's incompatible_msrv"
deps=$(cargo tree -p system-liburing -p system-liburing-sys --all-features -e normal,build \
    --prefix none --format '{p}' | awk '{print $1"@"$2}' | sed 's/@v/@/' | sort -u)
cargo metadata --format-version 1 --all-features | python3 -c '
import json, sys
msrv, deps = sys.argv[1], set(sys.argv[2].split())
key = lambda s: tuple(int(x) for x in (s.split(".") + ["0", "0"])[:3])
meta = json.load(sys.stdin)
bad = []
for p in meta["packages"]:
    if f"{p['"'"'name'"'"']}@{p['"'"'version'"'"']}" in deps and p.get("rust_version"):
        if key(p["rust_version"]) > key(msrv):
            bad.append(f"{p['"'"'name'"'"']} {p['"'"'version'"'"']} needs Rust {p['"'"'rust_version'"'"']}")
print(f"{len(deps)} crates in the build graph of the published crates")
if bad:
    sys.exit("newer than the MSRV " + msrv + ":\n  " + "\n  ".join(bad))
' "$msrv" "$deps"
cargo clippy -p system-liburing -p system-liburing-sys --all-features --all-targets --quiet -- \
    -D clippy::incompatible_msrv
echo "MSRV $msrv: dependency graph and std API use are compatible"
