#!/usr/bin/env bash
# Builds a local stand-in for the `node:<lts>-bookworm-slim` base image, for machines with no
# image registry: a Debian bookworm minbase root made by debootstrap, plus this machine's own
# Node.js and npm copied in. Imported into podman's local storage and reused on the next run.
#
#   tests/e2e/build-base-image.sh            # prints the image reference on stdout
#   E2E_REBUILD_BASE=1 tests/e2e/build-base-image.sh
#
# Why the host's Node and not Debian's: bookworm's nodejs is 18, and dbship needs >= 20.12.
# Copying the binary keeps the image at exactly the version the host's tests ran on.
set -euo pipefail

log() { printf 'build-base-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v podman >/dev/null || die "podman is not installed (run .ci/setup-podman.sh)."
command -v debootstrap >/dev/null || die "debootstrap is not installed (run .ci/setup-podman.sh)."
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root."

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" --version | sed 's/^v//')
npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
[ -f "$npm_dir/bin/npm-cli.js" ] || die "cannot find npm's package folder next to $(command -v npm) (looked in $npm_dir)."
ref="localhost/dbship-node-base:${node_version}-bookworm"

if [ -z "${E2E_REBUILD_BASE:-}" ] && podman image exists "$ref"; then
  log "reusing $ref"
  echo "$ref"
  exit 0
fi

# debootstrap's download cache survives a wiped podman store, so a rebuild needs no network.
cache_dir=${E2E_CACHE_DIR:-/var/cache/dbship-e2e}
mkdir -p "$cache_dir/debootstrap"
root=$(mktemp -d /var/tmp/dbship-base-root.XXXXXX)
trap 'rm -rf "$root"' EXIT

log "debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase --cache-dir="$cache_dir/debootstrap" bookworm "$root" http://deb.debian.org/debian >"$cache_dir/debootstrap.log" 2>&1 \
  || die "debootstrap failed; see $cache_dir/debootstrap.log (is deb.debian.org reachable?)"

log "adding node $node_version and npm from this machine"
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# Slim like the official image: no apt lists, caches or docs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
chroot "$root" /usr/local/bin/node --version >/dev/null || die "the copied node does not run inside the bookworm root."

log "importing as $ref"
tar -C "$root" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  - "$ref" >/dev/null
echo "$ref"
