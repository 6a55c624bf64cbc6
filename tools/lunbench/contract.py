"""What lunbench's C code and the host tools must agree on, read from the C sources at import time.

A copy of a C constant in Python drifts the day someone edits the C; reading it cannot. Each
value comes from the one C file that defines it, found by its name and what it defines rather
than by a fixed path, so that moving a file between source folders (lib/, rt/, app/, ...) changes
nothing here:

  EXIT               the exit statuses by name: EXIT.OK, EXIT.ERRORS, EXIT.USAGE, ... (the
                     LUNBENCH_EXIT_* enum in exit_status.h, prefix dropped)
  EXIT_STATUS_NAMES  status number -> what lunbench prints for it ("bad usage or input"), from
                     exit_status_name() in exit_status.c
  EXIT_STATUS_UNKNOWN  what it prints for any other number
  RESULTS_BEGIN_MARKER, RESULTS_END_MARKER  the lines around the JSON on COM1 (results.h)
  STAMP_MAGIC, STAMP, Stamp  the verify stamp at the start of each block (stamp.h): its magic,
                     a struct.Struct of its packed little-endian layout, a namedtuple of its fields
  STAMP_MAGIC_MASK   the magic's bits that are the same for every method (its low byte says which)
  STAMP_METHODS      the verify methods' fio names in enum stamp_method's order, the index being
                     the magic's low byte (stamp_method_name's table in stamp.c)
  STAMP_XXHASH_SEED  the seed of verify=xxhash's XXH32 (stamp.c)
  HIST_PLAT_BITS, HIST_PLAT_GROUP_NR  the latency histogram's shape (histogram.h, fio's scheme):
                     2**HIST_PLAT_BITS buckets per power of two, HIST_PLAT_GROUP_NR groups
  LOG_FRAME_TAG, LOG_FRAME_OPEN, LOG_FRAME_DATA, LOG_FRAME_CLOSE  how fio's log files travel on
                     COM2 ahead of the JSON (log_frame.h), as bytes: the tag and the three kinds

A source that is missing, found twice, or no longer in the shape parsed here raises
ContractError at import, naming the file: a tool must not run on a guess.
"""
import collections
import os
import re
import struct
import types

from . import ROOT

# Top-level folders that hold no kernel sources (tests/ has C, but its own).
NOT_SOURCES = {"build", "docs", "tests", "tools"}


class ContractError(Exception):
    pass


def find_source(filename, defines, root=ROOT):
    """(path, text) of the one file called filename under the kernel's source folders whose text
    holds `defines`. Searching by content keeps this right across moves between folders, and
    tells a stale copy left behind from the real one."""
    found = []
    for top in sorted(os.listdir(root)):
        if top.startswith(".") or top in NOT_SOURCES or not os.path.isdir(os.path.join(root, top)):
            continue
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            if filename in files:
                path = os.path.join(folder, filename)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                if defines in text:
                    found.append((path, text))
    if len(found) != 1:
        where = ", ".join(os.path.relpath(p, root) for p, _ in found) or "nowhere"
        raise ContractError("%s defining %s: expected one under %s, found %s" % (filename, defines, root, where))
    return found[0]


def strip_comments(c_text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", c_text, flags=re.S)


def _where(path):
    return os.path.relpath(path, ROOT)


def _exit_statuses():
    header, text = find_source("exit_status.h", "enum lunbench_status")
    body = re.search(r"enum lunbench_status\s*\{(.*?)\}", strip_comments(text), re.S)
    members = re.findall(r"\bLUNBENCH_EXIT_(\w+)\s*=\s*(\d+)", body.group(1)) if body else []
    if not members:
        raise ContractError("%s: no LUNBENCH_EXIT_NAME = N members in enum lunbench_status" % _where(header))
    numbers = {name: int(value) for name, value in members}

    source, text = find_source("exit_status.c", "exit_status_name(")
    code = strip_comments(text)
    names = dict(re.findall(r"case\s+LUNBENCH_EXIT_(\w+)\s*:\s*return\s+\"([^\"]*)\"", code))
    unknown = re.search(r"default\s*:\s*return\s+\"([^\"]*)\"", code)
    missing = sorted(set(numbers) - set(names))
    if missing:
        raise ContractError("%s: exit_status_name() has no case for LUNBENCH_EXIT_%s" % (_where(source), missing[0]))
    if not unknown:
        raise ContractError("%s: exit_status_name() has no default name" % _where(source))
    return (types.SimpleNamespace(**numbers), {numbers[n]: names[n] for n in numbers}, unknown.group(1))


def _string_define(filename, macro):
    path, text = find_source(filename, "#define " + macro)
    m = re.search(r"^#define\s+%s\s+\"([^\"]+)\"\s*$" % macro, text, re.M)
    if not m:
        raise ContractError("%s: #define %s is not a plain string literal" % (_where(path), macro))
    return m.group(1)


def _int_define(filename, macro):
    path, text = find_source(filename, "#define " + macro)
    m = re.search(r"^#define\s+%s\s+(\d+)[uU]?\s*(?:/\*.*)?$" % macro, text, re.M)
    if not m:
        raise ContractError("%s: #define %s is not a plain decimal number" % (_where(path), macro))
    return int(m.group(1))


# A C string literal's escapes that the frame tag uses: octal (\036), and \\ and \".
_C_ESCAPE = re.compile(r'\\([0-7]{1,3}|\\|")')


def _bytes_define(filename, macro):
    """A #define of a C string literal, as the bytes it stands for."""
    path, text = find_source(filename, "#define " + macro)
    m = re.search(r'^#define\s+%s\s+"((?:[^"\\]|\\.)+)"\s*$' % macro, text, re.M)
    if not m or re.search(r'\\(?![0-7\\"])', m.group(1)):
        raise ContractError("%s: #define %s is not a string literal with only octal, \\\\ and \\\" escapes" % (
            _where(path), macro))
    literal = _C_ESCAPE.sub(lambda e: chr(int(e.group(1), 8)) if e.group(1)[0].isdigit() else e.group(1), m.group(1))
    return literal.encode("latin-1")


# C fixed-width types -> struct module codes; the stamp uses nothing else.
C_TYPES = {"uint8_t": "B", "uint16_t": "H", "uint32_t": "I", "uint64_t": "Q"}


def _stamp():
    path, text = find_source("stamp.h", "#define STAMP_MAGIC")
    magic = re.search(r"^#define\s+STAMP_MAGIC\s+(0x[0-9a-fA-F]+)[uUlL]*\b", text, re.M)
    if not magic:
        raise ContractError("%s: no hexadecimal #define STAMP_MAGIC" % _where(path))
    # Packed: no padding between the fields, which is what the struct module's "<" gives.
    body = re.search(r"struct\s+__attribute__\s*\(\(\s*packed\s*\)\)\s*stamp\s*\{(.*?)\};", strip_comments(text), re.S)
    if not body:
        raise ContractError("%s: no struct __attribute__((packed)) stamp { ... };" % _where(path))
    codes, fields = "<", []
    for declaration in filter(None, (" ".join(d.split()) for d in body.group(1).split(";"))):
        ctype, _, names = declaration.partition(" ")
        if ctype not in C_TYPES:
            raise ContractError("%s: struct stamp member %r: type %s is not one of %s" % (
                _where(path), declaration, ctype, ", ".join(C_TYPES)))
        for name in (n.strip() for n in names.split(",")):
            if not re.fullmatch(r"[A-Za-z_]\w*", name):
                raise ContractError("%s: struct stamp member %r is not a plain field" % (_where(path), declaration))
            codes += C_TYPES[ctype]
            fields.append(name)
    return int(magic.group(1), 16), struct.Struct(codes), collections.namedtuple("Stamp", fields)


def _stamp_methods():
    header, text = find_source("stamp.h", "enum stamp_method")
    body = re.search(r"enum stamp_method\s*\{(.*?)\}", strip_comments(text), re.S)
    members = [m.strip() for m in body.group(1).split(",") if m.strip()] if body else []
    if not members or members[-1] != "STAMP_METHODS" or any("=" in m for m in members):
        raise ContractError("%s: enum stamp_method is not a plain list ending in STAMP_METHODS" % _where(header))
    source, code = find_source("stamp.c", "stamp_method_name(")
    table = re.search(r"names\[STAMP_METHODS\]\s*=\s*\{([^}]*)\}", strip_comments(code))
    names = re.findall(r'"([^"]+)"', table.group(1)) if table else []
    if len(names) != len(members) - 1:
        raise ContractError("%s: stamp_method_name's table has %d names for %d methods" % (
            _where(source), len(names), len(members) - 1))
    mask = re.search(r"^#define\s+STAMP_MAGIC_MASK\s+(0x[0-9a-fA-F]+)[uUlL]*\b", text, re.M)
    if not mask:
        raise ContractError("%s: no hexadecimal #define STAMP_MAGIC_MASK" % _where(header))
    return int(mask.group(1), 16), tuple(names)


EXIT, EXIT_STATUS_NAMES, EXIT_STATUS_UNKNOWN = _exit_statuses()
RESULTS_BEGIN_MARKER = _string_define("results.h", "RESULTS_BEGIN_MARKER")
RESULTS_END_MARKER = _string_define("results.h", "RESULTS_END_MARKER")
STAMP_MAGIC, STAMP, Stamp = _stamp()
STAMP_MAGIC_MASK, STAMP_METHODS = _stamp_methods()
STAMP_XXHASH_SEED = _int_define("stamp.c", "XXHASH_SEED")
HIST_PLAT_BITS = _int_define("histogram.h", "HIST_PLAT_BITS")
HIST_PLAT_GROUP_NR = _int_define("histogram.h", "HIST_PLAT_GROUP_NR")
LOG_FRAME_TAG, LOG_FRAME_OPEN, LOG_FRAME_DATA, LOG_FRAME_CLOSE = (
    _bytes_define("log_frame.h", "LOG_FRAME_" + kind) for kind in ("TAG", "OPEN", "DATA", "CLOSE"))


def exit_status_name(status):
    """What lunbench prints for status (exit_status_name in C)."""
    return EXIT_STATUS_NAMES.get(status, EXIT_STATUS_UNKNOWN)
