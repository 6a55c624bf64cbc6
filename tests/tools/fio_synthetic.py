"""Synthetic lunbench results in fio's json+ layout, for the tool tests (no kernel needed).

The layout follows bench/report.c (bench_json_job) and app/bench_mode.c (the top level):
the same keys, with numbers made up. Latency samples go into fio's log-linear buckets exactly as
lib/histogram.c does (its shape read from histogram.h), so the bins look like what lunbench writes.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools"))
from lunbench import contract  # noqa: E402

PLAT_BITS = contract.HIST_PLAT_BITS
PLAT_VAL = 1 << PLAT_BITS
PLAT_NR = contract.HIST_PLAT_GROUP_NR * PLAT_VAL
FIO_PERCENTILES = (1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99)


def bucket_index(ns):
    """fio's plat_val_to_idx (lib/histogram.c hist_bucket_index)."""
    msb = ns.bit_length() - 1 if ns else 0
    if msb <= PLAT_BITS:
        return ns
    error_bits = msb - PLAT_BITS
    base = (error_bits + 1) << PLAT_BITS
    return min(base + ((PLAT_VAL - 1) & (ns >> error_bits)), PLAT_NR - 1)


def bucket_value(index):
    """fio's plat_idx_to_val: the bucket's midpoint in ns."""
    if index < 2 * PLAT_VAL:
        return index
    error_bits = (index >> PLAT_BITS) - 1
    base = 1 << (error_bits + PLAT_BITS)
    return base + ((index & (PLAT_VAL - 1)) << error_bits) + (1 << (error_bits - 1))


def bins_of(samples):
    """{"<midpoint ns>": count} as json+ writes clat_ns.bins."""
    counts = {}
    for ns in samples:
        i = bucket_index(ns)
        counts[i] = counts.get(i, 0) + 1
    return {str(bucket_value(i)): n for i, n in sorted(counts.items())}


def lat(samples=(), percentiles=None, with_bins=True):
    """A *_ns object; percentiles maps a percentile to ns (keys written "%f" like fio)."""
    samples = list(samples)
    n = len(samples)
    mean = sum(samples) / n if n else 0.0
    obj = {"min": min(samples) if n else 0, "max": max(samples) if n else 0, "mean": mean,
           "stddev": 0.0, "N": n}
    if n and percentiles is not None:
        obj["percentile"] = {"%f" % p: v for p, v in percentiles.items()}
    if n and with_bins:
        obj["bins"] = bins_of(samples)
    return obj


def ddir(ios=0, bs=4096, runtime_ms=1000, samples=(), percentiles=None, with_bins=True):
    seconds = runtime_ms / 1000.0
    bw_bytes = ios * bs / seconds if ios else 0
    return {"io_bytes": ios * bs, "io_kbytes": ios * bs // 1024, "bw_bytes": int(bw_bytes),
            "bw": int(bw_bytes / 1024), "iops": ios / seconds if ios else 0.0,
            "runtime": runtime_ms if ios else 0, "total_ios": ios, "short_ios": 0, "drop_ios": 0,
            "slat_ns": lat(), "clat_ns": lat(samples, percentiles if ios else None, with_bins), "lat_ns": lat(),
            "bw_min": 0, "bw_max": 0, "bw_agg": 100.0 if ios else 0.0, "bw_mean": 0.0, "bw_dev": 0.0,
            "bw_samples": 0, "iops_min": 0, "iops_max": 0, "iops_mean": 0.0, "iops_stddev": 0.0,
            "iops_samples": 0, "errors": 0}


def job(name, options, read=None, write=None, luns=1, cycles_per_io=1234.5, runtime_ms=1000):
    """One jobs[] entry; read/write are ddir() objects (default: no I/O in that direction)."""
    return {"jobname": name, "groupid": 0, "error": 0, "eta": 0, "elapsed": runtime_ms // 1000 + 1,
            "job options": dict(options),
            "read": read or ddir(), "write": write or ddir(), "trim": ddir(),
            "sync": {"total_ios": 0, "lat_ns": lat()},
            "job_runtime": runtime_ms, "usr_cpu": 100.0, "sys_cpu": 0.0, "ctx": 0, "majf": 0, "minf": 0,
            "iodepth_level": {"1": 100.0, "2": 0.0, "4": 0.0, "8": 0.0, "16": 0.0, "32": 0.0, ">=64": 0.0},
            "latency_ns": {}, "latency_us": {}, "latency_ms": {},
            "latency_depth": int(options.get("iodepth", 1)), "latency_target": 0, "latency_percentile": 100.0,
            "latency_window": 0,
            "lunbench": {"luns": luns, "errors": {"response": 0, "check_condition": 0, "other_status": 0,
                                                  "short_transfer": 0, "verify": 0},
                         "verify_blocks": 0, "verify_failures": 0, "driver_cycles_per_io": cycles_per_io,
                         "tsc_hz": 2000000000, "stopped": False}}


def document(jobs, luns=1):
    """The whole results.json: fio's top level plus lunbench's inventory."""
    return {"fio version": "lunbench-test", "timestamp": 1764120000, "timestamp_ms": 1764120000000,
            "time": "Wed Nov 26 01:20:00 2025", "global options": {}, "jobs": list(jobs),
            "lunbench": {"version": "test",
                         "hbas": [{"pci": "00:10.0", "usable": True, "interface": "modern", "num_queues": 1,
                                   "queues_used": 1, "queue_size": 256, "max_target": 255, "max_lun": 16383,
                                   "seg_max": 254, "max_sectors": 65535, "cmd_per_lun": 128, "targets": 1,
                                   "commands": 5 * luns}],
                         "luns": [{"hba": 0, "target": 0, "lun": i, "type": 0, "vendor": "QEMU",
                                   "product": "QEMU HARDDISK", "revision": "2.5+", "blocks": 2097152,
                                   "block_size": 512} for i in range(luns)],
                         "discovery_ms": 12.5}}
