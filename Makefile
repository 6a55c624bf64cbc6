# lunbench: one entry point for building, running and testing.
#   make         build the images (build/lunbench.elf, build/lunbench-pvh.elf, build/lunbench.efi)
#   make run     build, then boot the default topology under QEMU (tools/lunbench-run)
#   make test    build, then run the host unit tests and the QEMU tests
#   make soak    the long runs: SOAK_ROUNDS rounds of random faults against write-and-verify jobs,
#                then SOAK_POWER_CUT_TRIALS trials of every power-cut test (not part of make test)
#   make scale   mode=list of 1,048,576 LUNs on one HBA, the inventory checked exactly (not in make test)
#   make bench   boot time, discovery time and the I/O matrix (tools/boot-time, tools/discovery-bench,
#                tools/bench-matrix: summary.md and plots under build/bench/), then the guest
#                instructions per I/O under -icount against tools/icount-baseline.json (tools/icount-gate:
#                fails when a figure rose more than 2%)
#   make compare two or more sides on one job and topology, interleaved (tools/compare; options in
#                COMPARE_ARGS, e.g. COMPARE_ARGS="lunbench blk --luns 8"; icount=yes): build/compare/
#   make clean   remove build/ (keeps the newlib build: make distclean removes that too)

BUILD      := build
NEWLIB     := $(BUILD)/newlib
CC         := gcc
OBJCOPY    := objcopy
PYTHON     := python3
VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers

# Kernel: freestanding, no red zone (ring 0 code), position-dependent and identity-mapped below
# 2 GiB (the small code model newlib is built for), frame pointers for exception backtraces.
KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-pic -fno-pie -mno-red-zone \
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
    -nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INCLUDE) -I. \
    -DLUNBENCH_VERSION='"$(VERSION)"' -DLUNBENCH_CLOCK_TSC=1 -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T linker.ld
KERNEL_LIBS := -L$(NEWLIB)/lib -Wl,--start-group -lc -lm -lgcc -Wl,--end-group

# The layers, by folder. Pure folders hold code that touches no hardware: it builds for the host
# unchanged (unit tests under ASan/UBSan, fuzzing). The hardware folders hold the boot entries,
# the CPU and port/MMIO access, the runtime under newlib, the device-facing drivers and the
# application; they build only into the kernel images.
PURE_DIRS  := lib fs bench check drivers/acpi drivers/pci drivers/virtio drivers/scsi drivers/hba
HW_DIRS    := boot arch/x86_64 rt drivers/virtio_pci drivers/virtio_scsi drivers/virtio_blk app
PURE_SRCS  := $(sort $(wildcard $(addsuffix /*.c,$(PURE_DIRS))))
KERNEL_SRCS := $(PURE_SRCS) $(sort $(wildcard $(addsuffix /*.c,$(HW_DIRS))))
KERNEL_ASM := boot/entry.S arch/x86_64/isr.S

KOBJ := $(BUILD)/kernel
KERNEL_OBJS := $(KERNEL_SRCS:%.c=$(KOBJ)/%.o) $(KERNEL_ASM:%.S=$(KOBJ)/%.o)

# What runs at CPL 0 (arch/x86_64/ring0.h): built without SSE, since kvm-pvm's emulator runs every
# ring-0 instruction and has no SSE register moves, and without loop-to-memset rewriting. The
# ring0-check rule proves they call nothing outside themselves and the assembly (no newlib).
RING0_SRCS := arch/x86_64/ring0.c arch/x86_64/trap.c arch/x86_64/console.c arch/x86_64/serial.c \
    arch/x86_64/machine_exit.c lib/io_insn.c
RING0_OBJS := $(RING0_SRCS:%.c=$(KOBJ)/%.o)
$(RING0_OBJS): KERNEL_CFLAGS += -mgeneral-regs-only -fno-tree-loop-distribute-patterns

# newlib is built without locks: every stateful newlib function the kernel calls goes through
# rt/newlib_lock.c (the linker's --wrap), so any CPU may call it. newlib-check fails the build
# when the kernel calls a newlib function in neither list (or a libgcc helper not in the second).
NEWLIB_LOCKED := malloc calloc realloc memalign free strdup strtod strtoull vsnprintf snprintf printf fprintf \
    sscanf fflush exit
NEWLIB_PURE := memchr memcmp memcpy memmove memset strchr strcmp strcpy strcspn strlen strncmp strpbrk strrchr \
    strspn strstr qsort cos log pow sqrt __errno errno _ctype_ _impure_ptr __divti3 __modti3 __udivti3 __umodti3 __popcountdi2 \
    _bss_end _kernel_end _load_end _load_start
comma := ,
KERNEL_LDFLAGS += $(addprefix -Wl$(comma)--wrap=,$(NEWLIB_LOCKED))

# The guard build (Multiboot): every buffer the device writes against an unmapped page
# (arch/x86_64/guard_pages.h); the same objects but app/build_flavor.c, so it costs one link.
GUARD_IMAGE := $(BUILD)/lunbench-guard.elf
IMAGES := $(BUILD)/lunbench.elf $(BUILD)/lunbench-pvh.elf $(BUILD)/lunbench.efi $(GUARD_IMAGE)
# The vhost-user virtio-scsi target QEMU attaches for --hba backend=vscsi-target (a host program;
# the QEMU tests run the ASan/UBSan build).
VSCSI_TARGETS := $(BUILD)/vscsi-target $(BUILD)/vscsi-target-asan

.PHONY: all deps run test unit-test qemu-test bench compare clean distclean
all: $(IMAGES) $(VSCSI_TARGETS)

# Debian packages the build, run and tests need (installed when missing, as root).
deps:
	@tools/install-deps.sh

$(NEWLIB)/lib/libc.a:
	tools/build-newlib.sh $(NEWLIB)

$(KOBJ)/%.o: %.c $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KOBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KOBJ)/ring0-check: $(RING0_OBJS) $(KOBJ)/boot/entry.o $(KOBJ)/arch/x86_64/isr.o
	@nm --defined-only $^ | awk 'NF == 3 { print $$3 }' | sort -u >$@.defined
	@nm --undefined-only $(RING0_OBJS) | awk 'NF == 2 { print $$2 }' | sort -u >$@.needed
	@missing=$$(comm -23 $@.needed $@.defined); if [ -n "$$missing" ]; then \
	    echo "ring-0 code calls outside the ring-0 units (newlib? it may use SSE): $$missing" >&2; exit 1; fi
	@if objdump -d $(RING0_OBJS) | grep -q '%[xy]mm'; then \
	    echo "ring-0 code uses SSE registers:" >&2; objdump -d $(RING0_OBJS) | grep '%[xy]mm' >&2; exit 1; fi
	@touch $@

$(KOBJ)/newlib-check: $(KERNEL_OBJS)
	@nm --defined-only $^ | awk 'NF == 3 { print $$3 }' | sort -u >$@.defined
	@nm --undefined-only $(filter-out $(KOBJ)/rt/newlib_lock.o,$^) | awk 'NF == 2 { print $$2 }' | sort -u >$@.needed
	@printf '%s\n' $(NEWLIB_LOCKED) $(NEWLIB_PURE) | sort -u >$@.known
	@unknown=$$(comm -23 $@.needed $@.defined | comm -23 - $@.known); if [ -n "$$unknown" ]; then \
	    echo "the kernel calls newlib functions that are neither locked nor known to be pure (Makefile" \
	         "NEWLIB_LOCKED / NEWLIB_PURE; rt/newlib_lock.c): $$unknown" >&2; exit 1; fi
	@touch $@

# Multiboot1 image: QEMU loads an ELF64 Multiboot kernel through the a.out-kludge header.
$(BUILD)/lunbench.elf: $(KERNEL_OBJS) $(KOBJ)/boot/multiboot_header.o linker.ld $(KOBJ)/ring0-check $(KOBJ)/newlib-check
	$(CC) $(KERNEL_LDFLAGS) -Wl,-e,mb_entry -o $@ $(KOBJ)/boot/multiboot_header.o $(KERNEL_OBJS) $(KERNEL_LIBS)

$(KOBJ)/guard/app/build_flavor.o: app/build_flavor.c app/build_flavor.h $(NEWLIB)/lib/libc.a
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guard build)"
	@$(CC) $(KERNEL_CFLAGS) -DLUNBENCH_GUARD_BUILD=1 -c $< -o $@

GUARD_OBJS := $(filter-out $(KOBJ)/app/build_flavor.o,$(KERNEL_OBJS)) $(KOBJ)/guard/app/build_flavor.o
$(GUARD_IMAGE): $(GUARD_OBJS) $(KOBJ)/boot/multiboot_header.o linker.ld $(KOBJ)/ring0-check $(KOBJ)/newlib-check
	$(CC) $(KERNEL_LDFLAGS) -Wl,-e,mb_entry -o $@ $(KOBJ)/boot/multiboot_header.o $(GUARD_OBJS) $(KERNEL_LIBS)

# PVH image: the same code with the PVH ELF note instead (an image with both loads as Multiboot).
$(BUILD)/lunbench-pvh.elf: $(KERNEL_OBJS) $(KOBJ)/boot/pvh_note.o linker.ld $(KOBJ)/newlib-check
	$(CC) $(KERNEL_LDFLAGS) -Wl,-e,pvh_entry -o $@ $(KOBJ)/boot/pvh_note.o $(KERNEL_OBJS) $(KERNEL_LIBS)

# UEFI application: a gnu-efi stub (boot/uefi/stub.c, position-independent) that carries the same
# kernel objects, linked with the 64-bit entry uefi_entry, and places them at 1 MiB.
EFI := $(BUILD)/uefi
EFI_CFLAGS := -std=gnu11 -O2 $(WARNINGS) -Wno-strict-prototypes -I/usr/include/efi -I/usr/include/efi/x86_64 \
    -I/usr/include/efi/protocol -I. -fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
    -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI
EFI_LIB := /usr/lib

$(BUILD)/lunbench-uefi.elf: $(KERNEL_OBJS) linker.ld $(KOBJ)/newlib-check
	$(CC) $(KERNEL_LDFLAGS) -Wl,-e,uefi_entry -o $@ $(KERNEL_OBJS) $(KERNEL_LIBS)

$(EFI)/kernel_blob.o: $(BUILD)/lunbench-uefi.elf
	@mkdir -p $(dir $@)
	$(OBJCOPY) --strip-all $< $(EFI)/kernel.elf
	cd $(EFI) && $(OBJCOPY) -I binary -O elf64-x86-64 -B i386:x86-64 --rename-section .data=.data,alloc,load,data,contents \
	    --redefine-sym _binary_kernel_elf_start=lunbench_kernel_start \
	    --redefine-sym _binary_kernel_elf_end=lunbench_kernel_end \
	    --strip-symbol _binary_kernel_elf_size kernel.elf kernel_blob.o

$(EFI)/stub.o: boot/uefi/stub.c boot/boot_info.h lib/uefi_boot.h lib/boot_string.h
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

# Pure helpers the stub shares with the kernel and the host tests (memory-map conversion, the exit
# retry, command-line words), built again position-independent; they use no C library.
EFI_SHARED := $(EFI)/uefi_boot.o $(EFI)/boot_string.o
$(EFI)/%.o: lib/%.c lib/%.h
	@mkdir -p $(dir $@)
	@echo "  EFICC   $<"
	@$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/lunbench.efi: $(EFI)/stub.o $(EFI_SHARED) $(EFI)/kernel_blob.o
	ld -nostdlib -znocombreloc -z noexecstack -shared -Bsymbolic -L$(EFI_LIB) -T $(EFI_LIB)/elf_x86_64_efi.lds \
	    $(EFI_LIB)/crt0-efi-x86_64.o $(EFI)/stub.o $(EFI_SHARED) $(EFI)/kernel_blob.o -o $(EFI)/lunbench.so \
	    -lefi -lgnuefi
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* -j .rela.* -j .reloc \
	    --target efi-app-x86_64 --subsystem=10 $(EFI)/lunbench.so $@

# ---- tools/vscsi-target: a host program, linked with the pure SCSI names it logs ----
VSCSI_SRCS := $(sort $(wildcard tools/vscsi-target/*.c)) drivers/scsi/scsi_cdb.c
VSCSI_HDRS := $(wildcard tools/vscsi-target/*.h) drivers/scsi/scsi.h drivers/virtio/virtio_scsi_wire.h \
    drivers/virtio/virtqueue.h
# The parts unit-tested on the host (tests/unit/test_vscsi_target.c): no sockets, no guest.
VSCSI_PURE := $(addprefix tools/vscsi-target/,block_map.c block_store.c write_cache.c lun_table.c scsi_emul.c fault_rules.c \
    guard_buf.c)
VSCSI_CFLAGS := -std=gnu11 -g $(WARNINGS) -I.

$(BUILD)/vscsi-target: $(VSCSI_SRCS) $(VSCSI_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VSCSI_CFLAGS) -O2 -o $@ $(VSCSI_SRCS)

$(BUILD)/vscsi-target-asan: $(VSCSI_SRCS) $(VSCSI_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(VSCSI_CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -o $@ $(VSCSI_SRCS)

# ---- host unit tests (cmocka, AddressSanitizer + UBSan) ----
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARNINGS) -Wno-missing-prototypes -I. \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LIBS := -lcmocka -lm -pthread
HOBJ := $(BUILD)/host
UNIT_TESTS := $(patsubst tests/unit/%.c,$(HOBJ)/%,$(filter-out tests/unit/test_support.c,$(wildcard tests/unit/test_*.c)))
PURE_HOST_OBJS := $(PURE_SRCS:%.c=$(HOBJ)/%.o)

$(HOBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

# Linked into every unit test: file helpers, the fake HBA behind the seam, and the job fixture on it.
TEST_SUPPORT := tests/unit/test_support.c tests/unit/fake_hba.c tests/unit/bench_fixture.c

$(HOBJ)/test_%: tests/unit/test_%.c $(TEST_SUPPORT) $(TEST_SUPPORT:.c=.h) $(PURE_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(TEST_SUPPORT) $(PURE_HOST_OBJS) $(HOST_LIBS)

# The target's unit test links its pure parts as well.
VSCSI_PURE_HOST_OBJS := $(VSCSI_PURE:%.c=$(HOBJ)/%.o)
$(HOBJ)/test_vscsi_target: tests/unit/test_vscsi_target.c $(TEST_SUPPORT) $(TEST_SUPPORT:.c=.h) $(PURE_HOST_OBJS) \
    $(VSCSI_PURE_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(TEST_SUPPORT) $(PURE_HOST_OBJS) $(VSCSI_PURE_HOST_OBJS) $(HOST_LIBS)

# Keep the host objects: make would otherwise delete them as intermediates after each link.
.SECONDARY: $(PURE_HOST_OBJS) $(VSCSI_PURE_HOST_OBJS)

# The FAT images tests/unit/test_fat.c reads, made with mtools at build time (nothing large is committed).
FAT_TEST_IMAGES := $(BUILD)/test-data/fat/.made
$(FAT_TEST_IMAGES): tests/data/fat/make-images.sh
	@echo "  MKFAT   $(dir $@)"
	@tests/data/fat/make-images.sh $(dir $@) && touch $@
$(HOBJ)/test_fat: $(FAT_TEST_IMAGES)

# docs/checks.md from the table the checks run from (tests/unit/test_checks.c fails when it is stale).
.PHONY: check-docs
check-docs: $(HOBJ)/test_checks
	LUNBENCH_WRITE_CHECK_DOCS=docs/checks.md $(HOBJ)/test_checks > /dev/null

unit-test: deps $(UNIT_TESTS)
	@tools/run-unit-tests $(UNIT_TESTS)

# QEMU tests read the FAT images too (a job file on a FAT LUN).
qemu-test: deps $(IMAGES) $(FAT_TEST_IMAGES)
	$(PYTHON) tests/qemu/run_tests.py --power-cut-trials $(POWER_CUT_TRIALS)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(FAT_TEST_IMAGES)
	@tools/run-unit-tests $(UNIT_TESTS)
	@$(MAKE) --no-print-directory fuzz-smoke
	$(PYTHON) -m unittest discover -s tests/tools
	$(PYTHON) tests/qemu/run_tests.py --power-cut-trials $(POWER_CUT_TRIALS)

POWER_CUT_TRIALS ?= 5

# Many random power cuts: make power-cut POWER_CUT_TRIALS=200
.PHONY: power-cut
power-cut: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tests/qemu/run_tests.py -g power-cut --power-cut-trials $(POWER_CUT_TRIALS)

# The 1,048,576-LUN inventory (256 targets x 4096 LUNs on one vscsi-target HBA; minutes under TCG)
.PHONY: scale
scale: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tests/qemu/run_tests.py -g scale

# The long runs (tests/qemu/soak.py, tests/qemu/power_cut.py): make soak SOAK_ROUNDS=200 SEED=7
SOAK_ROUNDS ?= 50
SOAK_POWER_CUT_TRIALS ?= 100
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tests/qemu/run_tests.py -g soak --soak-rounds $(SOAK_ROUNDS) $(if $(SEED),--seed $(SEED))
	$(PYTHON) tests/qemu/run_tests.py -g power-cut --power-cut-trials $(SOAK_POWER_CUT_TRIALS) $(if $(SEED),--seed $(SEED))

# ---- fuzzing (libFuzzer with clang; tests/fuzz/fuzz_<target>.c, seeds in tests/fuzz/corpus/<target>/) ----
#   make fuzz         run each target for FUZZ_SECONDS; new inputs go to build/fuzz/corpus-<target>/
#                     (the committed seeds stay as they are), crashes to build/fuzz/crashes/
#   make fuzz-smoke   each target over the committed corpus plus a few seconds of mutation with a fixed
#                     seed, so that make test is repeatable (part of make test)
FUZZ_CC := clang
FUZZ := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_RUNS ?= 20000
FUZZ_TARGETS := virtqueue report_luns inquiry sense read_capacity scsi_event options jobfile archive acpi \
    virtio_pci_caps fat virtio_blk fault_rules
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARNINGS) -I. -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
# -timeout: a parser that loops on a device's lie is a finding too. -max_len: an ECAM config space
# or an ACPI table with its header is over libFuzzer's default of 4096.
FUZZ_RUN_FLAGS = -timeout=10 -max_len=8192 -artifact_prefix=$(FUZZ)/crashes/$$t-
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ)/fuzz_%)
FUZZ_PURE_OBJS := $(PURE_SRCS:%.c=$(FUZZ)/obj/%.o)

# The pure sources, instrumented for coverage but without libFuzzer's main (fuzzer-no-link); in
# an archive, so that each target links only the objects it calls.
$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ)/libpure.a: $(FUZZ_PURE_OBJS)
	@rm -f $@
	@ar rcs $@ $^

# The vscsi-target's rule parser is host code outside the kernel's pure folders: linked in directly.
$(FUZZ)/fuzz_fault_rules: tests/fuzz/fuzz_fault_rules.c tests/fuzz/fuzz_input.h tools/vscsi-target/fault_rules.c \
    tools/vscsi-target/fault_rules.h $(FUZZ)/libpure.a
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d -o $@ $< tools/vscsi-target/fault_rules.c \
	    $(FUZZ)/libpure.a -lm

$(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_input.h $(FUZZ)/libpure.a
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d -o $@ $< $(FUZZ)/libpure.a -lm

.SECONDARY: $(FUZZ_PURE_OBJS)
.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS)

# One line per target from its log: runs, coverage, and the crash file if there is one.
FUZZ_SUMMARY = awk -v t=$$t -v rc=$$rc '/ cov: /{cov=$$0; sub(/.* cov: /,"",cov); sub(/ lim:.*| exec\/s:.*/,"",cov)} \
    /^stat::number_of_executed_units:/{runs=$$2} /^Done [0-9]+ runs/{if(runs=="")runs=$$2} \
    /Test unit written to/{crash=$$NF} \
    END{printf "fuzz: %-16s %10s runs  cov: %s  %s\n", t, runs, cov, rc==0 ? "ok" : "FAILED " crash}'

fuzz: $(FUZZ_BINS)
	@mkdir -p $(FUZZ)/crashes $(FUZZ)/logs; rm -f $(FUZZ)/logs/summary.txt
	@failed=; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ)/corpus-$$t; echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    $(FUZZ)/fuzz_$$t $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        $(FUZZ)/corpus-$$t tests/fuzz/corpus/$$t > $(FUZZ)/logs/$$t.log 2>&1; rc=$$?; \
	    [ $$rc -eq 0 ] || failed="$$failed $$t"; $(FUZZ_SUMMARY) $(FUZZ)/logs/$$t.log | tee -a $(FUZZ)/logs/summary.txt; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed (logs in $(FUZZ)/logs/)" >&2; exit 1; fi

fuzz-smoke: $(FUZZ_BINS)
	@rm -rf $(FUZZ)/smoke; mkdir -p $(FUZZ)/smoke $(FUZZ)/crashes
	@failed=; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ)/smoke/corpus-$$t; \
	    $(FUZZ)/fuzz_$$t $(FUZZ_RUN_FLAGS) -seed=1 -runs=$(FUZZ_SMOKE_RUNS) -max_total_time=3 \
	        $(FUZZ)/smoke/corpus-$$t tests/fuzz/corpus/$$t > $(FUZZ)/smoke/$$t.log 2>&1; rc=$$?; \
	    if [ $$rc -ne 0 ]; then failed="$$failed $$t"; tail -n 40 $(FUZZ)/smoke/$$t.log; fi; \
	done; \
	n=$$(echo $(FUZZ_TARGETS) | wc -w); \
	if [ -n "$$failed" ]; then echo "fuzz-smoke: FAILED:$$failed (logs in $(FUZZ)/smoke/)" >&2; exit 1; fi; \
	echo "fuzz-smoke: $$n targets passed"

# make run JOB=path/to/job.fio runs a job file instead of the built-in default job.
run: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tools/lunbench-run $(if $(JOB),--job $(JOB)) $(RUN_ARGS)

bench: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tools/boot-time
	$(PYTHON) tools/discovery-bench
	$(PYTHON) tools/bench-matrix
	$(PYTHON) tools/icount-gate

# make compare: lunbench against Linux + fio by default (1 null-co LUN, 4 KiB randread at QD1 and
# QD32, 3 rounds); the linux and qemu=10 sides fetch their Debian packages into build/ once.
compare: deps
	@$(MAKE) --no-print-directory all
	$(PYTHON) tools/compare $(COMPARE_ARGS)$(if $(icount), icount=$(icount))

clean:
	rm -rf $(KOBJ) $(HOBJ) $(EFI) $(IMAGES) $(VSCSI_TARGETS) $(BUILD)/lunbench-uefi.elf

distclean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJS:.o=.d) $(PURE_HOST_OBJS:.o=.d) $(VSCSI_PURE_HOST_OBJS:.o=.d)
-include $(FUZZ_PURE_OBJS:.o=.d) $(FUZZ_BINS:=.d)
