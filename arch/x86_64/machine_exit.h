/* Leaving QEMU with a status. */
#ifndef ARCH_X86_64_MACHINE_EXIT_H
#define ARCH_X86_64_MACHINE_EXIT_H

#include <stdbool.h>
#include <stdint.h>

/* ACPI S5 (soft-off) registers, the fallback when there is no isa-debug-exit device. */
struct acpi_poweroff {
    bool valid;
    bool hw_reduced; /* write sleep_control, not PM1x_CNT (ACPI 6.4, 4.8.3.7) */
    uint16_t pm1a_cnt, pm1b_cnt;
    uint8_t slp_typ_a, slp_typ_b;
    uint8_t sleep_control_space; /* 0 memory, 1 I/O */
    uint64_t sleep_control_addr;
};

void machine_exit_set_poweroff(const struct acpi_poweroff *poweroff);
/* Under UEFI: the firmware's ResetSystem, tried before ACPI S5 (UEFI 2.10 8.5.1, EfiResetShutdown). */
void machine_exit_set_uefi_reset(uint64_t reset_system);

/*
 * isa-debug-exit at port 0xf4 (QEMU exits with 2*status+1); if we are still running, the device
 * is absent: UEFI's ResetSystem(EfiResetShutdown) when booted by UEFI, ACPI S5 power-off, then a
 * keyboard-controller reset (QEMU exits 0 under -no-reboot; the console's last line still carries
 * the status), then halt.
 */
_Noreturn void machine_exit(int status);

#endif
