#!/usr/bin/env bash
# A small bootable Debian 12 image for the qemu driver's tests, from Debian's packages:
#   build-qemu-image.sh OUTDIR   ->  OUTDIR/disk.qcow2, OUTDIR/vmlinuz, OUTDIR/initrd.img, OUTDIR/SHA256SUMS
# debootstrap (linux-image, systemd, cloud-init, openssh-server, sudo, docker.io), then `mkfs.ext4 -d`
# makes the disk from the folder (no loop mount), converted to qcow2. The kernel and initrd are kept
# beside it for direct kernel boot (the disk has no boot loader). Needs root. Idempotent: an OUTDIR
# that holds a finished image (its SHA256SUMS) is left alone.
set -euo pipefail
OUT=${1:?usage: build-qemu-image.sh OUTDIR}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SIZE=${IMAGE_SIZE:-3G}
# python3-cffi-backend by name: debootstrap does not resolve the virtual packages python3-cryptography needs;
# apparmor: the kernel enables AppArmor, and dockerd then needs apparmor_parser to run a container.
PACKAGES=python3-cffi-backend,linux-image-amd64,systemd,systemd-sysv,udev,cloud-init,openssh-server,sudo,docker.io,apparmor,iproute2,netbase,ca-certificates,dbus
die() { echo "build-qemu-image: $*" >&2; exit 1; }

[ -f "$OUT/SHA256SUMS" ] && exit 0
[ "$(id -u)" = 0 ] || die "needs root (debootstrap)"
for tool in debootstrap mkfs.ext4 qemu-img; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install debootstrap e2fsprogs qemu-utils"
done
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOTFS=$WORK/rootfs

# Downloaded packages are kept beside the image's folder: a second build fetches nothing.
mkdir -p "$OUT/../debs"
if ! debootstrap --variant=minbase --cache-dir="$(cd "$OUT/.." && pwd)/debs" --include="$PACKAGES" bookworm "$ROOTFS" \
        "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    cp "$ROOTFS/debootstrap/debootstrap.log" "$OUT/debootstrap-failed.log" 2>/dev/null || true
    tail -30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (its log: $OUT/debootstrap-failed.log)"
fi

# The disk is /dev/vda, whole (no partition table): root= names it on the kernel command line.
printf '/dev/vda / ext4 defaults 0 1\n' >"$ROOTFS/etc/fstab"
printf 'localhost\n' >"$ROOTFS/etc/hostname"
# cloud-init: only the NoCloud seed (a CD labelled cidata); no waiting for cloud metadata services.
printf 'datasource_list: [ NoCloud, None ]\n' >"$ROOTFS/etc/cloud/cloud.cfg.d/90-dmtest.cfg"
# Host keys of these types only: an RSA key took 12 of the first boot's 73 s under TCG (cloud-init analyze).
printf 'ssh_genkeytypes: [ ed25519, ecdsa ]\n' >>"$ROOTFS/etc/cloud/cloud.cfg.d/90-dmtest.cfg"
# As on a cloud image, Docker does not start before provisioning has configured it (provisioning enables
# docker.service, which pulls containerd in): docker.io's own enablement cost the first boot 11 s.
chroot "$ROOTFS" systemctl disable docker.service containerd.service >/dev/null 2>&1
# The user-mode network's interface gets DHCP from QEMU (systemd-networkd, in the systemd package).
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n' >"$ROOTFS/etc/systemd/network/50-dhcp.network"
chroot "$ROOTFS" systemctl enable systemd-networkd >/dev/null 2>&1
# A serial console for the boot log the tests print on failure.
chroot "$ROOTFS" systemctl enable serial-getty@ttyS0 >/dev/null 2>&1 || true
rm -f "$ROOTFS"/etc/ssh/ssh_host_*  # each VM makes its own host keys at first boot
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/*

cp "$(readlink -f "$ROOTFS/vmlinuz")" "$WORK/vmlinuz"
cp "$(readlink -f "$ROOTFS/initrd.img")" "$WORK/initrd.img"
mkfs.ext4 -q -L root -d "$ROOTFS" "$WORK/disk.raw" "$SIZE"
qemu-img convert -q -f raw -O qcow2 "$WORK/disk.raw" "$WORK/disk.qcow2"
mv "$WORK/disk.qcow2" "$WORK/vmlinuz" "$WORK/initrd.img" "$OUT/"
(cd "$OUT" && sha256sum disk.qcow2 vmlinuz initrd.img >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
echo "build-qemu-image: $OUT"
