#!/usr/bin/env bash
# Installs and configures a rootful podman for the container end-to-end test (.ci/e2e.sh).
# Idempotent: installs only what is missing and rewrites only our containers.conf.
# Needs root (apt-get). Exits 0 when podman is ready, non-zero with a reason otherwise.
set -euo pipefail

packages=(podman buildah runc debootstrap catatonit uidmap fuse-overlayfs)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-podman: missing packages (${missing[*]}) and not root: install them with apt-get first." >&2
    exit 1
  fi
  echo "setup-podman: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# No systemd runs here (cgroup v1 or v2 without a systemd manager), so podman must manage cgroups
# itself and log events to a file; runc is the OCI runtime Debian ships that works on cgroup v1.
# The ulimits keep containers from inheriting the host's huge nofile limit, which runc rejects
# in some sandboxes and node never needs.
mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<'CONF'
# Written by dbship's .ci/setup-podman.sh
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF

podman version --format 'setup-podman: podman {{.Client.Version}}'
podman info --format 'setup-podman: runtime {{.Host.OCIRuntime.Name}}, cgroups {{.Host.CgroupsVersion}} via {{.Host.CgroupManager}}, storage {{.Store.GraphDriverName}}'
