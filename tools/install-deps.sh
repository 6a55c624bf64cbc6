#!/usr/bin/env bash
# install-deps.sh: make sure every Debian package that lunbench's build, run and tests need is
# installed. As root, installs what is missing with apt-get; otherwise prints the exact command
# and fails. Called by `make run`, `make test` and `make bench`, so a fresh Debian 12 machine
# needs nothing else.
set -euo pipefail

packages=(
    gcc make binutils libc6-dev git python3   # toolchain and scripts
    newlib-source                             # the kernel's C library, built by tools/build-newlib.sh
    gnu-efi ovmf mtools                       # UEFI entry and its firmware and ESP image
    qemu-system-x86 qemu-system-data seabios  # QEMU, qboot, SeaBIOS, pvh.bin
    libcmocka-dev                             # host unit-test framework
    clang libclang-rt-14-dev                  # libFuzzer targets (-fsanitize=fuzzer needs compiler-rt)
    fio fio-examples                          # fio_jsonplus_clat2csv reads our JSON; example job files
    gnuplot-nox cpio                          # result plots; cpio archives of job files
    python3-pandas                            # fio's fiologparser_hist.py reads our histogram logs
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages: ${missing[*]}" >&2
    echo "install-deps: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
$cmd
