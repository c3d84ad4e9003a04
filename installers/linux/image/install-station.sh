#!/bin/bash
# install-station.sh: installs the Scrutin Station kiosk image on a polling-station machine's
# disk, from a Debian 12 live system booted on that machine (docs/technicians.md, "The kiosk
# image"). Not run in the project's development environment (no disks, no TPM): read the
# whole guide before using it.
#
#   sudo ./install-station.sh --disk /dev/nvme0n1 --debs DIR --hostname st-00042 \
#        --confirm-wipe /dev/nvme0n1 [--mirror http://deb.debian.org/debian]
#
# DIR holds the two verified packages of one release (scrutin-station_*_amd64.deb and
# scrutin-station-kiosk_*_all.deb; check them with `scrutin release verify` first).
#
# What it makes (Debian 12, UEFI):
#   ESP   512 MiB   vfat, systemd-boot
#   root  8 GiB     LUKS2 + ext4, mounted read-only; the running system writes to a RAM
#                   overlay (systemd.volatile=overlay) that is gone at the next boot
#   var   the rest  LUKS2 + ext4, persistent: the kiosk user's home (the station's data
#                   folder), the printer choice, the journal
# Both LUKS2 volumes are unlocked at boot by the machine's TPM2 (sealed to PCR 7, the Secure
# Boot state) when it has one; otherwise by a passphrase typed at each boot. A recovery key
# is printed once: write it on the station's sealed form for the returning officer.
set -euo pipefail

DISK=''
DEBS=''
HOST=''
CONFIRM=''
MIRROR='http://deb.debian.org/debian'
SUITE='bookworm'
TARGET=/mnt/scrutin-station

usage() {
  sed -n '2,26s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --disk) DISK=$2; shift 2 ;;
    --debs) DEBS=$2; shift 2 ;;
    --hostname) HOST=$2; shift 2 ;;
    --confirm-wipe) CONFIRM=$2; shift 2 ;;
    --mirror) MIRROR=$2; shift 2 ;;
    *) usage ;;
  esac
done

fail() {
  echo "install-station: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root"
if [ -z "$DISK" ] || [ -z "$DEBS" ] || [ -z "$HOST" ]; then usage; fi
[ -b "$DISK" ] || fail "$DISK is not a block device"
[ "$(lsblk -dno TYPE "$DISK")" = disk ] || fail "$DISK is not a whole disk"
[ "$CONFIRM" = "$DISK" ] || fail "this erases $DISK: repeat it with --confirm-wipe $DISK"
[[ "$HOST" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || fail "not a host name: $HOST"
[ -d /sys/firmware/efi ] || fail "boot the live system in UEFI mode"
for tool in debootstrap cryptsetup sgdisk mkfs.ext4 mkfs.vfat systemd-cryptenroll; do
  command -v "$tool" >/dev/null || fail "missing $tool (apt install debootstrap cryptsetup gdisk e2fsprogs dosfstools systemd)"
done
app_deb=$(find "$DEBS" -maxdepth 1 -name 'scrutin-station_*_amd64.deb' | head -n 1)
kiosk_deb=$(find "$DEBS" -maxdepth 1 -name 'scrutin-station-kiosk_*_all.deb' | head -n 1)
[ -n "$app_deb" ] || fail "no scrutin-station_*_amd64.deb in $DEBS"
[ -n "$kiosk_deb" ] || fail "no scrutin-station-kiosk_*_all.deb in $DEBS"

# Partition names of a disk: /dev/sda1, /dev/nvme0n1p1.
part() {
  case "$DISK" in
    *[0-9]) echo "${DISK}p$1" ;;
    *) echo "${DISK}$1" ;;
  esac
}

echo "== partitioning $DISK"
wipefs --all "$DISK"
sgdisk --zap-all "$DISK"
sgdisk --new=1:0:+512M --typecode=1:ef00 --change-name=1:esp \
  --new=2:0:+8G --typecode=2:4f68bce3-e8cd-4db1-96e7-fbcaf984b709 --change-name=2:root \
  --new=3:0:0 --typecode=3:4d21b016-b534-45c2-a9fb-5c16e091fd2d --change-name=3:var \
  "$DISK"
partprobe "$DISK"
udevadm settle

echo "== encrypting (LUKS2)"
# A one-time key for the installation only (key slot 0 of both volumes, removed at the end).
install_key=$(mktemp /dev/shm/scrutin-install-key.XXXXXX)
trap 'rm -f "$install_key"' EXIT
head -c 48 /dev/urandom | base64 -w0 >"$install_key"
for n in 2 3; do
  cryptsetup luksFormat --batch-mode --type luks2 --pbkdf argon2id --key-file "$install_key" "$(part "$n")"
done
cryptsetup open --key-file "$install_key" "$(part 2)" scrutin-root
cryptsetup open --key-file "$install_key" "$(part 3)" scrutin-var
mkfs.vfat -F 32 -n ESP "$(part 1)"
mkfs.ext4 -q -L root /dev/mapper/scrutin-root
mkfs.ext4 -q -L var /dev/mapper/scrutin-var

mkdir -p "$TARGET"
mount /dev/mapper/scrutin-root "$TARGET"
mkdir -p "$TARGET/var" "$TARGET/boot/efi"
mount /dev/mapper/scrutin-var "$TARGET/var"
mount "$(part 1)" "$TARGET/boot/efi"

echo "== installing Debian ${SUITE}"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,ca-certificates \
  "$SUITE" "$TARGET" "$MIRROR"
root_uuid=$(blkid -s UUID -o value "$(part 2)")
var_uuid=$(blkid -s UUID -o value "$(part 3)")
esp_uuid=$(blkid -s UUID -o value "$(part 1)")
echo "$HOST" >"$TARGET/etc/hostname"
cat >"$TARGET/etc/fstab" <<FSTAB
# Scrutin Station kiosk: a read-only root, a persistent /var.
/dev/mapper/scrutin-root  /          ext4  ro,noatime                  0 1
/dev/mapper/scrutin-var   /var       ext4  rw,noatime,nosuid,nodev     0 2
UUID=${esp_uuid}          /boot/efi  vfat  ro,umask=0077,nosuid,nodev,noexec  0 2
FSTAB
cat >"$TARGET/etc/crypttab" <<CRYPTTAB
scrutin-root  UUID=${root_uuid}  none  luks,discard,tpm2-device=auto
scrutin-var   UUID=${var_uuid}   none  luks,discard,tpm2-device=auto
CRYPTTAB
mkdir -p "$TARGET/etc/kernel" "$TARGET/etc/dracut.conf.d"
# systemd.volatile=overlay: the read-only root with a RAM overlay; no text console output.
echo "rd.luks.uuid=${root_uuid} rd.luks.uuid=${var_uuid} rd.luks.options=tpm2-device=auto root=/dev/mapper/scrutin-root ro systemd.volatile=overlay quiet loglevel=3 vt.global_cursor_default=0" \
  >"$TARGET/etc/kernel/cmdline"
cat >"$TARGET/etc/dracut.conf.d/50-scrutin.conf" <<'DRACUT'
# systemd in the initrd: systemd-cryptsetup (TPM2 tokens) and systemd-volatile-root.
add_dracutmodules+=" systemd crypt tpm2-tss "
hostonly="no"
DRACUT

mkdir -p "$TARGET/tmp/scrutin-debs"
cp "$app_deb" "$kiosk_deb" "$TARGET/tmp/scrutin-debs/"
for fs in dev dev/pts proc sys sys/firmware/efi/efivars run; do
  mount --bind "/$fs" "$TARGET/$fs"
done
chroot "$TARGET" /bin/bash -euo pipefail <<'CHROOT'
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  linux-image-amd64 dracut systemd-boot cryptsetup tpm2-tools libtss2-tcti-device0 \
  locales keyboard-configuration console-setup fonts-dejavu-core \
  udisks2 cups ipp-usb
apt-get install -y --no-install-recommends /tmp/scrutin-debs/*.deb
bootctl install
kernel-install add "$(ls /lib/modules)" "/boot/vmlinuz-$(ls /lib/modules)"
# Nobody logs in: the root account stays locked; the kiosk user has no password.
passwd --lock root
# No network service listens; central is reached over outgoing HTTPS only.
systemctl mask ssh.service >/dev/null 2>&1 || true
rm -rf /tmp/scrutin-debs
apt-get clean
CHROOT

echo "== sealing the volumes"
recovery_file=$(mktemp /dev/shm/scrutin-recovery.XXXXXX)
# systemd-cryptenroll (252) unlocks with the passphrase in $PASSWORD.
PASSWORD=$(cat "$install_key")
export PASSWORD
for n in 2 3; do
  dev=$(part "$n")
  if [ -e /dev/tpmrm0 ]; then
    systemd-cryptenroll --tpm2-device=auto --tpm2-pcrs=7 "$dev"
  else
    echo "No TPM2 on this machine: choose the passphrase typed at each boot (for $dev)."
    systemd-cryptenroll --password "$dev"
  fi
  systemd-cryptenroll --recovery-key "$dev" | tee -a "$recovery_file"
  # The installation key goes: only the TPM2 (or the passphrase) and the recovery key remain.
  cryptsetup luksKillSlot --batch-mode "$dev" 0
done
unset PASSWORD
echo "== recovery keys (write them on the station's sealed form, then they are erased here):"
cat "$recovery_file"
rm -f "$recovery_file"

for fs in run sys/firmware/efi/efivars sys proc dev/pts dev boot/efi var; do
  umount "$TARGET/$fs"
done
umount "$TARGET"
cryptsetup close scrutin-var
cryptsetup close scrutin-root
echo "== done: remove the live medium and reboot; the kiosk starts on tty1."
