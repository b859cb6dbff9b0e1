#!/usr/bin/env bash
# The smallest arm64 guest that answers SSH, for the qemu driver's aarch64 boot test, from Debian's packages:
#   build-arm64-image.sh OUTDIR  ->  OUTDIR/Image, OUTDIR/initramfs.gz, OUTDIR/disk.qcow2,
#                                    OUTDIR/ssh_host_ed25519_key.pub, OUTDIR/SHA256SUMS
# Nothing arm64 runs here (no binfmt): debootstrap --download-only fetches and verifies the packages (Release
# signature, then every .deb's checksum), dpkg-deb -x unpacks them, and the guest is assembled from that tree
# by reading it: Debian's kernel Image, an initramfs with busybox-static as the shell of our /init, the
# virtio-net modules and their dependencies (from each module's .modinfo), sshd and exactly the shared
# libraries it needs (readelf -d, searched where the tree's ld.so searches), and an ed25519 host key made
# here. The disk is an empty qcow2 (the driver needs one; the guest never mounts it).
# Boot it with `console=ttyAMA0 rdinit=/init`; its address is QEMU user networking's 10.0.2.15.
# Needs root (debootstrap). Idempotent: an OUTDIR that holds a finished image (its SHA256SUMS) is left alone.
set -euo pipefail
OUT=${1:?usage: build-arm64-image.sh OUTDIR}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=linux-image-arm64,openssh-server,busybox-static
# What virtio-net-pci needs on Debian's arm64 kernel, where both are modules (CONFIG_VIRTIO_PCI=m,
# CONFIG_VIRTIO_NET=m); the PCI host, the PL011 console, devtmpfs and the initramfs are built in.
MODULES="virtio_pci virtio_net"
LIBDIRS="lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib"  # the built-in search path of its ld.so
die() { echo "build-arm64-image: $*" >&2; exit 1; }

[ -f "$OUT/SHA256SUMS" ] && exit 0
[ "$(id -u)" = 0 ] || die "needs root (debootstrap)"
for tool in debootstrap dpkg-deb readelf busybox ssh-keygen qemu-img gzip flock; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing: apt-get install debootstrap dpkg binutils busybox-static openssh-client qemu-utils gzip util-linux"
done
mkdir -p "$OUT" "$OUT/../debs"
# One build at a time per cache folder: two debootstraps over the one package cache delete each other's
# downloads (seen with build-qemu-image.sh's two callers). The second waits here, then finds the first's image.
exec 9>"$OUT/../build.lock"
flock 9
[ -f "$OUT/SHA256SUMS" ] && exit 0
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TREE=$WORK/tree
INITRD=$WORK/initramfs

# Downloaded packages are kept beside the image's folder: a second build fetches nothing.
if ! debootstrap --download-only --arch=arm64 --variant=minbase --cache-dir="$(cd "$OUT/.." && pwd)/debs" \
        --include="$PACKAGES" bookworm "$WORK/download" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    cp "$WORK/debootstrap.log" "$OUT/debootstrap-failed.log"
    tail -30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (its log: $OUT/debootstrap-failed.log)"
fi
mkdir "$TREE"
for deb in "$WORK"/download/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$TREE"
done

KERNEL=$(cd "$TREE/boot" && ls vmlinuz-*-arm64)
KVER=${KERNEL#vmlinuz-}
[ "$(printf '%s\n' "$KERNEL" | wc -l)" = 1 ] || die "more than one kernel in the packages: $KERNEL"

# Copies a tree path into the initramfs at the same path; a symbolic link is copied as it is, then its target.
copy() {
    local path=$1
    [ -e "$INITRD/$path" ] || [ -L "$INITRD/$path" ] && return 0
    [ -e "$TREE/$path" ] || [ -L "$TREE/$path" ] || die "$path is not in the packages"
    mkdir -p "$INITRD/$(dirname "$path")"
    cp -a "$TREE/$path" "$INITRD/$path"
    if [ -L "$TREE/$path" ]; then
        local target
        target=$(readlink "$TREE/$path")
        case $target in
            /*) copy "${target#/}" ;;
            *) copy "$(dirname "$path")/$target" ;;
        esac
    fi
}

# A program and, recursively, every library it names (DT_NEEDED), found where the guest's ld.so will look.
copy_program() {
    local path=$1 lib dir found
    copy "$path"
    for lib in $(readelf -d "$TREE/$path" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        found=
        for dir in $LIBDIRS; do
            if [ -e "$TREE/$dir/$lib" ]; then
                found=$dir/$lib
                break
            fi
        done
        [ -n "$found" ] || die "$path needs $lib, which is in none of $LIBDIRS"
        [ -e "$INITRD/$found" ] || copy_program "$found"
    done
}

# A module after the modules its .modinfo says it depends on; their load order is written to /modules.
copy_module() {
    local name=$1 file dep
    grep -qx "$name" "$INITRD/modules" 2>/dev/null && return 0
    file=$(cd "$TREE" && find "lib/modules/$KVER/kernel" -name "$name.ko")
    [ -n "$file" ] || die "module $name is not in linux-image-$KVER"
    for dep in $(readelf -p .modinfo "$TREE/$file" | sed -n 's/.*depends=//p' | tr ',' ' '); do
        copy_module "$dep"
    done
    copy "$file"
    echo "$name" >>"$INITRD/modules"
    echo "/$file" >>"$INITRD/modules.paths"
}

mkdir -p "$INITRD"/{bin,dev,proc,sys,run/sshd,etc/ssh,root,tmp}
chmod 1777 "$INITRD/tmp"
chmod 755 "$INITRD/run/sshd"  # sshd's privilege separation chroot: root's, not writable by others
copy bin/busybox
[ "$(readelf -d "$TREE/bin/busybox" | grep -c NEEDED)" = 0 ] || die "bin/busybox is not static"
copy_program lib/ld-linux-aarch64.so.1
copy_program usr/sbin/sshd
for module in $MODULES; do
    copy_module "$module"
done
rm "$INITRD/modules"

cat >"$INITRD/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
EOF
printf 'root:x:0:\nnogroup:x:65534:\n' >"$INITRD/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n' >"$INITRD/etc/nsswitch.conf"
cat >"$INITRD/etc/ssh/sshd_config" <<'EOF'
HostKey /etc/ssh/ssh_host_ed25519_key
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
EOF
ssh-keygen -q -t ed25519 -N '' -C arm64-test-guest -f "$INITRD/etc/ssh/ssh_host_ed25519_key"
cp "$INITRD/etc/ssh/ssh_host_ed25519_key.pub" "$WORK/ssh_host_ed25519_key.pub"

cat >"$INITRD/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do
    insmod "$module" || echo "init: insmod $module failed"
done </modules.paths
ip link set lo up
tries=0
until [ -e /sys/class/net/eth0 ] || [ "$tries" = 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
# QEMU user networking: the guest is 10.0.2.15, the gateway 10.0.2.2.
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
echo "init: starting sshd"
/usr/sbin/sshd -D -e
echo "init: sshd exited ($?); powering off"
poweroff -f
EOF
chmod 755 "$INITRD/init"

(cd "$INITRD" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -6 >"$WORK/initramfs.gz"
cp "$TREE/boot/$KERNEL" "$WORK/Image"
qemu-img create -q -f qcow2 "$WORK/disk.qcow2" 64M
mv "$WORK/Image" "$WORK/initramfs.gz" "$WORK/disk.qcow2" "$WORK/ssh_host_ed25519_key.pub" "$OUT/"
(cd "$OUT" && sha256sum Image initramfs.gz disk.qcow2 ssh_host_ed25519_key.pub >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
echo "build-arm64-image: $OUT"
