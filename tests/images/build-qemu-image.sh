#!/usr/bin/env bash
# A small bootable Debian 12 image for the qemu driver's tests, from Debian's packages:
#   build-qemu-image.sh OUTDIR   ->  OUTDIR/disk.qcow2, OUTDIR/vmlinuz, OUTDIR/initrd.img, OUTDIR/SHA256SUMS
# debootstrap (linux-image, systemd, cloud-init, openssh-server, sudo, docker.io), then `mkfs.ext4 -d`
# makes the disk from the folder (no loop mount), converted to qcow2. The kernel and initrd are kept
# beside it for direct kernel boot (the disk has no boot loader). Needs root. Idempotent: an OUTDIR
# that holds a finished image (its SHA256SUMS) is left alone.
# Boot it with `root=/dev/vda rw console=ttyS0 apparmor=0` (the image has no AppArmor: see PACKAGES).
# The tests boot it under TCG, where every guest instruction costs host CPU: what a boot of the test's
# walkthrough does not need is left out or masked below, each with its reason.
set -euo pipefail
OUT=${1:?usage: build-qemu-image.sh OUTDIR}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SIZE=${IMAGE_SIZE:-3G}
# python3-cffi-backend by name: debootstrap does not resolve the virtual packages python3-cryptography needs;
# No apparmor: booted with apparmor=0, dockerd needs no apparmor_parser (loading the profiles took 8 s).
PACKAGES=python3-cffi-backend,linux-image-amd64,systemd,systemd-sysv,udev,cloud-init,openssh-server,sudo,docker.io,iproute2,netbase,ca-certificates,dbus
die() { echo "build-qemu-image: $*" >&2; exit 1; }

[ -f "$OUT/SHA256SUMS" ] && exit 0
[ "$(id -u)" = 0 ] || die "needs root (debootstrap)"
for tool in debootstrap mkfs.ext4 qemu-img flock; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install debootstrap e2fsprogs qemu-utils util-linux"
done
mkdir -p "$OUT"
# One build at a time per cache folder: two callers at once (the qemu and libvirt walkthroughs on two pytest
# workers) ran two debootstraps over the one package cache, which deleted each other's downloads. The second
# waits here and then finds the first one's image.
exec 9>"$OUT/../build.lock"
flock 9
[ -f "$OUT/SHA256SUMS" ] && exit 0
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
cat >"$ROOTFS/etc/cloud/cloud.cfg.d/90-dmtest.cfg" <<'EOF'
# Only the NoCloud seed (a CD labelled cidata); no waiting for cloud metadata services.
datasource_list: [ NoCloud, None ]
# Host keys of these types only: an RSA key took 12 of the first boot's 73 s under TCG (cloud-init analyze).
ssh_genkeytypes: [ ed25519, ecdsa ]
# The hostname in /etc/hosts, as Debian's cloud images have it: sudo otherwise looks it up in DNS each time.
manage_etc_hosts: true
# The modules the driver's NoCloud seed (components/drivers/seed.py) needs, no others: hostname, users,
# ssh (host keys, authorized keys) and set-passwords (ssh_pwauth); resizefs grows the root to --qemu-disk-size;
# write_files, runcmd and scripts_user write and enable the seed's grow step (components/drivers/growroot.py).
# mounts writes the shared folders' fstab lines (components/drivers/qemu/shares.py; 9p's kernel modules load from
# the root file system at the mount).
# Debian's full lists cost the first boot ~10 s under TCG (grub-dpkg, locale (failing without locales),
# apt-configure, keys-to-console, ...).
cloud_init_modules: [ set_hostname, update_hostname, update_etc_hosts, resizefs, write_files, mounts, users-groups, ssh ]
cloud_config_modules: [ set-passwords, runcmd ]
cloud_final_modules: [ scripts_user, final-message ]
EOF
# cloud-init at the first boot only: a later boot (the test's start) has nothing to apply, and its four
# Python stages cost that boot ~20 s under TCG. cloud-init takes this file to mean "disabled".
cat >"$ROOTFS/etc/systemd/system/dmtest-cloud-init-once.service" <<'EOF'
[Unit]
Description=cloud-init at the first boot only (a test image)
After=cloud-final.service
ConditionPathExists=!/etc/cloud/cloud-init.disabled
[Service]
Type=oneshot
ExecStart=/usr/bin/touch /etc/cloud/cloud-init.disabled
[Install]
WantedBy=cloud-init.target
EOF
chroot "$ROOTFS" systemctl enable dmtest-cloud-init-once.service >/dev/null 2>&1
# As on a cloud image, Docker does not start before provisioning has configured it (provisioning enables
# docker.service, which pulls containerd in): docker.io's own enablement cost the first boot 11 s.
chroot "$ROOTFS" systemctl disable docker.service containerd.service >/dev/null 2>&1
# The user-mode network's interface gets DHCP from QEMU (systemd-networkd, in the systemd package).
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n' >"$ROOTFS/etc/systemd/network/50-dhcp.network"
chroot "$ROOTFS" systemctl enable systemd-networkd >/dev/null 2>&1
# Units a test VM never needs, masked: consoles (SSH only; the serial log the tests print on failure is the
# kernel's and systemd's console=ttyS0 output, not a getty's), the periodic jobs, and the mounts and module
# loads of features nothing here uses (each one a process or more at every boot under TCG).
chroot "$ROOTFS" systemctl mask getty.target apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-pstore.service \
    modprobe@drm.service modprobe@fuse.service modprobe@efi_pstore.service modprobe@configfs.service \
    modprobe@dm_mod.service modprobe@loop.service dev-hugepages.mount sys-kernel-debug.mount \
    sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount >/dev/null 2>&1
# The journal in memory only: nothing reads an earlier boot's, and flushing it to disk took ~2 s per boot.
mkdir -p "$ROOTFS/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$ROOTFS/etc/systemd/journald.conf.d/90-dmtest.conf"
# A small initrd: the three modules that mount the root (virtio PCI, virtio disk, ext4) instead of Debian's
# MODULES=most (36 MB, 8 s of a TCG boot unpacking it and probing hardware from it).
printf 'MODULES=list\n' >"$ROOTFS/etc/initramfs-tools/conf.d/90-dmtest.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$ROOTFS/etc/initramfs-tools/modules"
chroot "$ROOTFS" update-initramfs -u -k all >"$WORK/initramfs.log" 2>&1 || {
    cat "$WORK/initramfs.log" >&2
    die "update-initramfs failed"
}
# Password logins off in the image already, as the seed's ssh_pwauth: false wants: cloud-init's set-passwords
# then finds nothing to change and does not restart sshd (3 s of the first boot).
sed -i 's/^#\?PasswordAuthentication .*/PasswordAuthentication no/' "$ROOTFS/etc/ssh/sshd_config"
grep -qx 'PasswordAuthentication no' "$ROOTFS/etc/ssh/sshd_config" || die "sshd_config: PasswordAuthentication not set"
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
