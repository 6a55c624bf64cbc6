#include "machine_exit.h"

#include "cpu.h"

#define DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)               /* PM1x_CNT (ACPI 6.4, 4.8.3.2.1) */
#define SLEEP_CONTROL_SLP_EN (1u << 5)  /* sleep control register (4.8.3.7) */

static struct acpi_poweroff poweroff;

void machine_exit_set_poweroff(const struct acpi_poweroff *p) { poweroff = *p; }

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
    acpi_soft_off();
    /* 8042 pulse reset line. */
    for (int spin = 0; spin < 100000 && (inb(0x64) & 0x02); spin++)
        cpu_pause();
    outb(0x64, 0xfe);
    cpu_halt_forever();
}
