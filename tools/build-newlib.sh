#!/usr/bin/env bash
# build-newlib.sh PREFIX: build the C library for the kernel from Debian's newlib-source tarball,
# for x86_64-elf with the host gcc, and install it under PREFIX (PREFIX/include, PREFIX/lib).
#
# Why these flags: the kernel runs in ring 0 with interrupts off and is linked identity-mapped
# below 2 GiB, so the library is built freestanding, without the red zone, without stack
# protector and position-dependent (small code model). MISSING_SYSCALL_NAMES makes newlib call
# write/sbrk/... (lib/syscalls.c provides them) instead of _write/_sbrk.
set -euo pipefail
prefix=${1:?usage: build-newlib.sh PREFIX}
# A calling make's flags (make -B above all) must not reach newlib's own makefiles: -B would
# make them regenerate configure scripts, which needs autoconf.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1 || true)
[ -n "$tarball" ] || { echo "build-newlib: no newlib tarball in /usr/src/newlib (apt-get install newlib-source)" >&2; exit 1; }

prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
work="$prefix.work"
rm -rf "$work"; mkdir -p "$work/build"
echo "build-newlib: unpacking $tarball"
tar -xf "$tarball" -C "$work"
src=$(ls -d "$work"/newlib-*/ | head -n 1)

target_cflags="-O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone -fno-stack-protector"
target_cflags+=" -fno-asynchronous-unwind-tables -DMISSING_SYSCALL_NAMES -DHAVE_INIT_FINI"
cd "$work/build"
echo "build-newlib: configuring (log in $work/build/build.log)"
"$src/configure" --target=x86_64-elf --prefix="$work/install" \
    --disable-multilib --disable-newlib-supplied-syscalls --disable-nls \
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
    CC_FOR_TARGET=gcc AR_FOR_TARGET=ar RANLIB_FOR_TARGET=ranlib AS_FOR_TARGET=as \
    LD_FOR_TARGET=ld NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump \
    CFLAGS_FOR_TARGET="$target_cflags" >build.log 2>&1 || { tail -n 30 build.log >&2; exit 1; }
echo "build-newlib: compiling with $(nproc) jobs (a few minutes, once)"
make -j"$(nproc)" all-target-newlib >>build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
make install-target-newlib >>build.log 2>&1 || { tail -n 30 build.log >&2; exit 1; }

rm -rf "$prefix/include" "$prefix/lib"
cp -a "$work/install/x86_64-elf/include" "$prefix/include"
cp -a "$work/install/x86_64-elf/lib" "$prefix/lib"
rm -rf "$work"
echo "build-newlib: installed in $prefix"
