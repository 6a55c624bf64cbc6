"""A lunbench job file as fio runs it in the Linux guest of tools/compare (side `linux`).

Only what fio needs is changed (docs/jobs.md has what lunbench reads):
  - luns= (lunbench's own) becomes filename= with the selected LUNs' block devices, which the
    guest's init names /dev/lun-H-T-L (HBA index as lunbench counts it, target, LUN); fio's
    filename= separates files with ':'. filename=, directory= and filename_format= of the file
    are dropped: lunbench ignores them when luns= is set, and so must fio;
  - lun_order=roundrobin|random becomes fio's file_service_type= of the same meaning;
  - ioengine= is the guest's engine (io_uring, else libaio) and direct=1 (lunbench has no page
    cache: every I/O goes to the device, which is what O_DIRECT asks of Linux); a job's own
    ioengine=, direct= and buffered= are dropped;
  - disk_util=0 (fio's disk statistics, which lunbench has none of): to find each file's disk,
    fio searches /sys/block for every file, which with 300 LUNs took fio 469 s of TCG time
    before a 1-s job (22 s a round without it); a job's own disk_util= still counts;
Everything else is passed through as written.
"""
import re

LUNBENCH_ONLY = ("luns", "lun_order")
DROPPED = ("filename", "directory", "filename_format", "ioengine", "direct", "buffered") + LUNBENCH_ONLY
ORDER = {"roundrobin": "roundrobin", "random": "random"}
MAX_LIST = 64  # lunbench's limit on an H:T:L list (docs/jobs.md, luns)


class JobError(ValueError):
    pass


def parse(text, where="job file"):
    """[(section name, [(key, value or None, line number)])] in file order; comments cut at ';'
    or '#' anywhere in a line, as fio (and lunbench) read them."""
    sections = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = re.split(r"[;#]", raw, 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^\[([^]]+)\]$", line)
        if m:
            sections.append((m.group(1).strip(), []))
            continue
        if not sections:
            raise JobError("%s:%d: option before the first [section]" % (where, n))
        if "=" in line:
            key, value = line.split("=", 1)
            sections[-1][1].append((key.strip(), value.strip(), n))
        else:
            sections[-1][1].append((line, None, n))
    if not any(name != "global" for name, _ in sections):
        raise JobError("%s: no job sections" % where)
    return sections


def select_luns(spec, luns, where):
    """The (H, T, L) a luns= value selects among luns (the topology's disks, in lunbench's order:
    HBA, target, LUN)."""
    spec = spec.strip()
    if spec == "all":
        return list(luns)
    m = re.match(r"^hba:(\d+)$", spec)
    if m:
        chosen = [x for x in luns if x[0] == int(m.group(1))]
    elif re.match(r"^targets:(\d+)-(\d+)$", spec):
        lo, hi = map(int, re.match(r"^targets:(\d+)-(\d+)$", spec).groups())
        chosen = [x for x in luns if lo <= x[1] <= hi]
    elif re.match(r"^first:(\d+)$", spec):
        chosen = list(luns)[:int(spec.split(":")[1])]
    else:
        chosen = []
        for word in spec.split(","):
            m = re.match(r"^(\d+):(\d+):(\d+)$", word.strip())
            if not m:
                raise JobError("%s: luns=%s: %r is not H:T:L (nor all, hba:N, targets:A-B, first:N)" % (where, spec, word))
            hit = tuple(map(int, m.groups()))
            if hit not in luns:
                raise JobError("%s: luns=%s names %d:%d:%d, which the topology does not have" % ((where, spec) + hit))
            chosen.append(hit)
        if len(chosen) > MAX_LIST:
            raise JobError("%s: luns=%s: more than %d LUNs in a list" % (where, spec, MAX_LIST))
    if not chosen:
        raise JobError("%s: luns=%s selects no LUN of the topology" % (where, spec))
    return chosen


def device(lun):
    """The guest's block device node of LUN (H, T, L), as the init script makes it."""
    return "/dev/lun-%d-%d-%d" % lun


def translate(text, luns, engine, where="job file"):
    """fio's job file for the Linux guest, and {job name: [(H, T, L), ...]} of each job.

    luns: the topology's disk LUNs [(H, T, L)], in lunbench's order. A job without luns= (in its
    section or a [global] before it) runs on all of them, as lunbench's default luns=all."""
    if engine not in ("io_uring", "libaio"):
        raise JobError("ioengine %r: the Linux guest runs io_uring or libaio" % engine)
    out = ["; translated by tools/compare from %s for fio in the Linux guest" % where,
           "[global]", "ioengine=%s" % engine, "direct=1", "disk_util=0"]
    defaults = {}
    selected = {}
    for name, opts in parse(text, where):
        out += ["", "[%s]" % name]
        own = {}
        for key, value, n in opts:
            if key in LUNBENCH_ONLY:
                if value is None:
                    raise JobError("%s:%d: %s needs a value" % (where, n, key))
                own[key] = (value, n)
            if key in DROPPED:
                continue
            out.append(key if value is None else "%s=%s" % (key, value))
        if name == "global":
            defaults.update(own)
            continue
        eff = dict(defaults, **own)
        spec, n = eff.get("luns", ("all", 0))
        chosen = select_luns(spec, luns, "%s:%d" % (where, n) if n else where)
        out.append("filename=%s" % ":".join(device(x) for x in chosen))
        if "lun_order" in eff:
            order, n = eff["lun_order"]
            if order not in ORDER:
                raise JobError("%s:%d: lun_order=%s: roundrobin or random" % (where, n, order))
            out.append("file_service_type=%s" % ORDER[order])
        selected[name] = chosen
    return "\n".join(out) + "\n", selected
