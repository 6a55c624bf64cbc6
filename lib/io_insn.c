#include "lib/io_insn.h"

enum { PREFIX_OPERAND_SIZE = 0x66 };

bool io_insn_decode(const uint8_t *code, size_t avail, struct io_insn *insn)
{
    size_t i = 0;
    bool size16 = false;
    if (avail > 0 && code[0] == PREFIX_OPERAND_SIZE) {
        size16 = true;
        i = 1;
    }
    if (i >= avail)
        return false;
    uint8_t op = code[i++];
    /* E4-E7: imm8 port; EC-EF: DX port. Even opcodes move a byte, odd ones a word or dword. */
    bool imm = op >= 0xe4 && op <= 0xe7;
    bool dx = op >= 0xec && op <= 0xef;
    if (!imm && !dx)
        return false;
    insn->out = (op & 2) != 0;
    insn->port_in_dx = dx;
    insn->width = (op & 1) == 0 ? 1 : size16 ? 2 : 4;
    if (imm && size16 && insn->width == 1)
        return false; /* a 66h prefix on a byte I/O: not something we emit */
    insn->port_imm = 0;
    if (imm) {
        if (i >= avail)
            return false;
        insn->port_imm = code[i++];
    }
    insn->length = (uint8_t)i;
    return true;
}

uint64_t io_insn_merge_in(uint64_t rax, unsigned width, uint32_t value)
{
    if (width == 1)
        return (rax & ~0xffull) | (value & 0xffu);
    if (width == 2)
        return (rax & ~0xffffull) | (value & 0xffffu);
    return value;
}
