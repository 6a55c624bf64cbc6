"""lunbench's host side as one package: what the launcher, the benchmarks, the plots and the QEMU
tests share, each thing defined once.

  contract   what the C code and the tools must agree on (exit statuses, result markers, the
             verify stamp), read from the C sources at import time
  crc32c     CRC-32C, as lib/crc32c.c computes it
  xxhash32   XXH32, as lib/xxhash32.c computes it (verify=xxhash's digest)
  stamp      verify stamps in raw disk images
  parse      sizes and number lists, as the launcher and the test configuration write them
  topology   HBAs, targets and LUNs: their QEMU arguments and the inventory lunbench must report
  qemu       QEMU command lines, running QEMU, and lunbench's status from QEMU's exit code
  esp        the EFI system partition the UEFI image boots from (mtools)
  qmp        a QMP client
  vscsi_target  our vhost-user virtio-scsi target (tools/vscsi-target) beside QEMU
  results    lunbench's JSON results: cut from the console, loaded from a file, read with checks
  junit      JUnit XML of a mode=check run (lunbench-run writes junit.xml beside results.json)
  compare    tools/compare's arithmetic: figures per round, medians, min-max, ratios, the tables
  fio_job    a lunbench job file translated for fio in the Linux guest
  linux_guest  the Linux guest's kernel, busybox, fio and /init in an initramfs, from Debian packages
  scripts    the tools without .py suffix loaded as modules (one reuses another's machinery)
  debian     Debian packages through a private apt configuration (build/apt/), QEMU 10 into build/qemu/

The scripts beside this folder (lunbench-run, bench-matrix, boot-time, discovery-bench,
plot-results, acpi-dump, compare, icount-gate) are its entry points; they put tools/ on sys.path and import it.
Standard library only.
"""
import os

# The repository root: the C sources the contract is read from, and build/ with the images.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
