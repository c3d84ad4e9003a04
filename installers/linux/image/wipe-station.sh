#!/bin/bash
# wipe-station.sh: makes a polling-station machine's disk unreadable after the election
# (docs/technicians.md, "After the election: wiping a station"), from a Debian 12 live system
# booted on that machine. Not run in the project's development environment (no disks): read
# the guide first, and wipe only once the returning officer has confirmed that central holds
# every batch of the station and has revoked its key.
#
#   sudo ./wipe-station.sh --disk /dev/nvme0n1 --confirm-wipe /dev/nvme0n1
#
# Each LUKS2 volume of the disk (install-station.sh made two: root and var) loses all of its
# key slots (`cryptsetup luksErase`): the volume key is gone, with it the station's database,
# its sealed signing key and the kit's voter list, whatever key the TPM, a passphrase or the
# recovery key on the sealed form would have opened. The partition table and every
# signature are then erased (`wipefs`), so the machine boots nothing until it is reinstalled.
set -euo pipefail

DISK=''
CONFIRM=''

usage() {
  sed -n '2,14s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --disk) DISK=$2; shift 2 ;;
    --confirm-wipe) CONFIRM=$2; shift 2 ;;
    *) usage ;;
  esac
done

fail() {
  echo "wipe-station: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root"
[ -n "$DISK" ] || usage
[ -b "$DISK" ] || fail "$DISK is not a block device"
[ "$(lsblk -dno TYPE "$DISK")" = disk ] || fail "$DISK is not a whole disk"
[ "$CONFIRM" = "$DISK" ] || fail "this destroys everything on $DISK: repeat it with --confirm-wipe $DISK"
for tool in cryptsetup wipefs lsblk; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt install cryptsetup util-linux)"
done

# Nothing of the disk may be in use (a mounted or opened volume would keep its key in memory).
if lsblk -nro MOUNTPOINT "$DISK" | grep -q .; then fail "a partition of $DISK is mounted: unmount it first"; fi
if lsblk -nro TYPE "$DISK" | grep -qx crypt; then fail "a LUKS volume of $DISK is open: close it first (cryptsetup close)"; fi

erased=0
while read -r part; do
  if cryptsetup isLuks "$part"; then
    echo "wipe-station: erasing every key slot of $part"
    cryptsetup luksErase --batch-mode "$part"
    erased=$((erased + 1))
  fi
  wipefs --all --quiet "$part"
done < <(lsblk -lnpo NAME,TYPE "$DISK" | awk '$2 == "part" { print $1 }')
wipefs --all --quiet "$DISK"

echo "wipe-station: $erased LUKS volume(s) erased, $DISK has no partition table any more."
echo "Write on the station's sealed form: wiped on $(date -u +%Y-%m-%dT%H:%MZ), disk $DISK."
