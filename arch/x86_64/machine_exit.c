#include "machine_exit.h"

#include "cpu.h"

#define DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)               /* PM1x_CNT (ACPI 6.4, 4.8.3.2.1) */
#define SLEEP_CONTROL_SLP_EN (1u << 5)  /* sleep control register (4.8.3.7) */

static struct acpi_poweroff poweroff;

void machine_exit_set_poweroff(const struct acpi_poweroff *p) { poweroff = *p; }

#define EFI_RESET_SHUTDOWN 2
/* EFI_RESET_SYSTEM: the Microsoft x64 calling convention, as every UEFI service (UEFI 2.10 2.3.4). */
typedef void __attribute__((ms_abi)) (*efi_reset_system)(int type, uint64_t status, uint64_t data_size, void *data);
static uint64_t uefi_reset;

void machine_exit_set_uefi_reset(uint64_t reset_system) { uefi_reset = reset_system; }

static void acpi_soft_off(void)
{
    if (!poweroff.valid)
        return;
    if (poweroff.hw_reduced) {
        uint8_t v = (uint8_t)(((poweroff.slp_typ_a & 7u) << 2) | SLEEP_CONTROL_SLP_EN);
        if (poweroff.sleep_control_space == 1)
            outb((uint16_t)poweroff.sleep_control_addr, v);
        else if (poweroff.sleep_control_addr != 0)
            mmio_write8(poweroff.sleep_control_addr, v);
        return;
    }
    if (poweroff.pm1a_cnt != 0)
        outw(poweroff.pm1a_cnt, (uint16_t)((inw(poweroff.pm1a_cnt) & ~(7u << 10)) | (poweroff.slp_typ_a & 7u) << 10 | SLP_EN));
    if (poweroff.pm1b_cnt != 0)
        outw(poweroff.pm1b_cnt, (uint16_t)((inw(poweroff.pm1b_cnt) & ~(7u << 10)) | (poweroff.slp_typ_b & 7u) << 10 | SLP_EN));
}

_Noreturn void machine_exit(int status)
{
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    if (uefi_reset != 0)
        ((efi_reset_system)(uintptr_t)uefi_reset)(EFI_RESET_SHUTDOWN, (uint64_t)status, 0, 0);
    acpi_soft_off();
    /* 8042 pulse reset line. */
    for (int spin = 0; spin < 100000 && (inb(0x64) & 0x02); spin++)
        cpu_pause();
    outb(0x64, 0xfe);
    cpu_halt_forever();
}
