#!/usr/bin/env bash
# Build a specific liburing and install headers + libraries under DEST, for linking
# system-liburing against it: any release from the project's release bundle when it is on the
# machine, otherwise 0.6 or 2.15 from sources vendored in crates.io packages.
#
#   .ci/build-liburing.sh VERSION DEST
#   LIBURING_INCLUDE_DIR=$DEST/include LIBURING_LIB_DIR=$DEST/lib cargo test
#
# VERSION, with the release bundle: any of `build.sh --list` (0.1 to 2.15). Without it:
#   0.6   liburing 0.6 (pre-2020), vendored in crate uring-sys 0.6.1 (liburing/)
#   2.15  liburing 2.15, vendored in crate axboe-liburing 2.15.3 (crate root)
#
# `.ci/build-liburing.sh --list` prints the releases the bundle has.
#
# The crate source is obtained with `cargo fetch` from a throwaway project, then
# copied to a temp dir and built there (the cargo registry copy is not touched).
# Result in DEST: include/liburing.h, include/liburing/*.h, lib/liburing.a,
# lib/liburing.so*, lib/pkgconfig/liburing.pc. Re-running is safe (idempotent).
set -euo pipefail

usage() { echo "usage: $0 VERSION DEST | --list" >&2; exit 2; }
[ $# -eq 2 ] || [ "${1:-}" = --list ] || usage
version=$1
dest=${2:-}

# Every upstream release (0.1 to 2.15) when the project's release bundle is on this machine
# (LIBURING_RELEASES, else ../shared/liburing beside the checkout, else /work/shared/liburing):
# its build.sh installs one under a prefix in the same shape as below.
releases=""
for d in "${LIBURING_RELEASES:-}" "$(dirname "$0")/../../shared/liburing" /work/shared/liburing; do
    if [ -n "$d" ] && [ -x "$d/build.sh" ]; then releases=$d; break; fi
done
if [ "${1:-}" = --list ]; then
    [ -n "$releases" ] || { echo "0.6 2.15" | tr ' ' '\n'; exit 0; }
    "$releases/build.sh" --list | sed 's/^liburing-//'
    exit 0
fi
if [ -n "$releases" ]; then
    if [ -f "$dest/include/liburing.h" ] && [ -f "$dest/.release" ] && [ "$(cat "$dest/.release")" = "$version" ]; then
        echo "[build-liburing $version] already in $dest"
        exit 0
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    dest=$(cd "$dest" && pwd)
    "$releases/build.sh" "$version" "$dest" >/dev/null
    echo "$version" > "$dest/.release"
    echo "[build-liburing $version] built from $releases/releases.bundle into $dest"
    exit 0
fi
# Without the bundle: the two releases vendored in crates.io packages.

case "$version" in
    0.6)  crate=uring-sys;      crate_ver=0.6.1;  subdir=liburing ;;
    2.15) crate=axboe-liburing; crate_ver=2.15.3; subdir=. ;;
    *) echo "error: unsupported liburing version '$version' (want 0.6 or 2.15)" >&2; usage ;;
esac

log() { echo "[build-liburing $version] $*"; }

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cargo_home=${CARGO_HOME:-$HOME/.cargo}
jobs=${BUILD_LIBURING_JOBS:-2}

work=$(mktemp -d "${TMPDIR:-/tmp}/build-liburing-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT

find_src() {
    local d
    for d in "$cargo_home"/registry/src/*/"$crate-$crate_ver"; do
        if [ -f "$d/Cargo.toml" ]; then echo "$d"; return 0; fi
    done
    return 1
}

# 1. Get the crate source with cargo.
if src=$(find_src); then
    log "using cached crate source $src"
else
    log "fetching crate $crate =$crate_ver with cargo fetch"
    mkdir -p "$work/fetch/src"
    cat > "$work/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-liburing-src"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$crate = "=$crate_ver"

[workspace]
EOF
    : > "$work/fetch/src/lib.rs"
    (cd "$work/fetch" && cargo fetch)
    if ! src=$(find_src); then
        # cargo normally unpacks on fetch; fall back to the downloaded .crate.
        crate_file=$(ls "$cargo_home"/registry/cache/*/"$crate-$crate_ver.crate" 2>/dev/null | head -n1 || true)
        [ -n "$crate_file" ] || { echo "error: $crate-$crate_ver not found under $cargo_home/registry after cargo fetch" >&2; exit 1; }
        log "unpacking $crate_file"
        mkdir -p "$work/unpack"
        tar -xzf "$crate_file" -C "$work/unpack"
        src="$work/unpack/$crate-$crate_ver"
    fi
fi
[ -f "$src/$subdir/configure" ] || { echo "error: no liburing tree (configure) at $src/$subdir" >&2; exit 1; }

# 2. Copy the liburing tree to a scratch dir.
tree="$work/liburing"
mkdir -p "$tree"
cp -R "$src/$subdir/." "$tree/"
chmod -R u+w "$tree"
log "building in $tree (from $src/$subdir)"

# 3. Configure + build the library only (no tests/examples).
(cd "$tree" && ./configure --prefix="$dest" --includedir="$dest/include" \
    --libdir="$dest/lib" --libdevdir="$dest/lib" --mandir="$work/man" \
    --datadir="$work/share")
make -C "$tree/src" -j"$jobs"

# 4. Install (replace any previous liburing install in DEST, leave other files alone).
rm -rf "$dest/include/liburing" "$dest/include/liburing.h" \
    "$dest/lib"/liburing.* "$dest/lib"/liburing-ffi.* \
    "$dest/lib/pkgconfig/liburing.pc" "$dest/lib/pkgconfig/liburing-ffi.pc"
make -C "$tree/src" install
mkdir -p "$dest/lib/pkgconfig"
for pc in liburing liburing-ffi; do
    [ -f "$tree/$pc.pc.in" ] || continue
    if make -C "$tree" "$pc.pc" >/dev/null; then
        install -m 644 "$tree/$pc.pc" "$dest/lib/pkgconfig/$pc.pc"
    fi
done
if [ ! -f "$dest/lib/pkgconfig/liburing.pc" ]; then
    log "no liburing.pc produced by the build, writing a minimal one"
    cat > "$dest/lib/pkgconfig/liburing.pc" <<EOF
prefix=$dest
exec_prefix=\${prefix}
libdir=$dest/lib
includedir=$dest/include

Name: liburing
Version: $version
Description: io_uring library
Libs: -L\${libdir} -luring
Cflags: -I\${includedir}
EOF
fi

# 5. Sanity check + summary.
for f in include/liburing.h include/liburing/io_uring.h lib/liburing.a lib/liburing.so; do
    [ -e "$dest/$f" ] || { echo "error: $dest/$f missing after install" >&2; exit 1; }
done
log "installed liburing $version ($crate $crate_ver) into $dest:"
(cd "$dest" && ls -l include/liburing.h include/liburing lib/liburing* lib/pkgconfig) | sed 's/^/    /'
log "use: LIBURING_INCLUDE_DIR=$dest/include LIBURING_LIB_DIR=$dest/lib PKG_CONFIG_PATH=$dest/lib/pkgconfig"
