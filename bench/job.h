/*
 * A benchmark job: fio's option names and meanings, in the subset docs/jobs.md lists, plus two
 * lunbench options (luns, lun_order) that choose the LUNs a job runs on. Parsed from fio-style
 * INI job files (bench/job_parse.c); pure code.
 */
#ifndef BENCH_JOB_H
#define BENCH_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/histogram.h"

/* fio's rw= patterns. The trims go out as SCSI UNMAP (SBC-4 5.31), to LUNs whose page B2 offers
 * it; trimwrite and randtrimwrite write each block range once its trim is done. */
enum job_rw {
    JOB_READ, JOB_WRITE, JOB_RANDREAD, JOB_RANDWRITE, JOB_RW, JOB_RANDRW,
    JOB_TRIM, JOB_RANDTRIM, JOB_TRIMWRITE, JOB_RANDTRIMWRITE
};
/* fio's per-direction options (bs=R,W,T, rate=, bssplit=, ...) index their values by these (fio's
 * DDIR_READ, DDIR_WRITE, DDIR_TRIM); the engine's DIR_READ, DIR_WRITE and DIR_TRIM are the same
 * numbers. */
enum { JOB_DDIR_READ, JOB_DDIR_WRITE, JOB_DDIR_TRIM, JOB_DDIRS };
enum lun_order { LUN_ORDER_ROUNDROBIN, LUN_ORDER_RANDOM };
enum lun_select_kind { LUNSEL_ALL, LUNSEL_HBA, LUNSEL_TARGETS, LUNSEL_LIST, LUNSEL_FIRST };

struct lun_addr {
    uint8_t hba, target;
    uint16_t lun;
};

#define LUNSEL_LIST_MAX 64

/* luns=all | hba:N | targets:A-B (on every HBA) | first:N | H:T:L[,H:T:L...] */
struct lun_selection {
    enum lun_select_kind kind;
    unsigned hba;
    unsigned target_lo, target_hi;
    unsigned first_n;
    struct lun_addr list[LUNSEL_LIST_MAX];
    size_t list_count;
};

/* How one direction picks each I/O's size: bs= (min == max), bsrange= (a multiple of min, up to
 * max), or bssplit= (each size with its share of the I/Os). */
#define JOB_BSSPLIT_MAX 64
struct job_bs_share {
    uint32_t bs;
    uint32_t percent;
};
struct job_block_sizes {
    uint32_t min, max;
    struct job_bs_share split[JOB_BSSPLIT_MAX];
    size_t split_count; /* 0: no bssplit; else the percents sum to 100 */
};

/* random_distribution=: where random offsets fall (fio's models). */
enum job_dist { JOB_DIST_RANDOM, JOB_DIST_ZIPF, JOB_DIST_PARETO, JOB_DIST_NORMAL, JOB_DIST_ZONED, JOB_DIST_ZONED_ABS };
#define JOB_ZONES_MAX 64
struct job_zone {
    uint32_t access_percent; /* of the random I/Os */
    uint64_t size;           /* zoned: percent of the region; zoned_abs: bytes */
};
struct job_distribution {
    enum job_dist kind;
    double param;  /* zipf theta (> 0, not 1), pareto h (0 < h < 1), normal deviation (0..100) */
    double center; /* 0..1: where the hot spot sits; < 0: fio's default (random for zipf and pareto,
                      0.5 for normal) */
    struct job_zone zones[JOB_ZONES_MAX];
    size_t zone_count;
};

enum job_rate_process { JOB_RATE_LINEAR, JOB_RATE_POISSON };

/* exit_what=: what the end of a job with exitall (or a failed one with exitall_on_error)
 * terminates: the jobs of its reporting group (fio's default), every job running now (the jobs
 * still waiting to start run later, and so do the waves after), or everything (no later wave runs). */
enum job_exit_what { JOB_EXIT_GROUP, JOB_EXIT_STONEWALL, JOB_EXIT_ALL };
#define JOB_FLOW_MAX_WEIGHT 1000 /* fio's FLOW_MAX_WEIGHT */

/* random_generator=: what draws uniform random offsets. Without it, lunbench's own xorshift64;
 * fio's tausworthe (taus88), tausworthe64 (lfsr258) or lfsr (every unit once per pass). */
enum job_random_generator { JOB_RNG_XORSHIFT, JOB_RNG_TAUSWORTHE, JOB_RNG_TAUSWORTHE64, JOB_RNG_LFSR };

/* What writes carry (unless verify= stamps them): fio's random data (the default), zeros
 * (zero_buffers) or buffer_pattern repeated. */
enum job_buffers { JOB_BUFFERS_RANDOM, JOB_BUFFERS_ZERO, JOB_BUFFERS_PATTERN };
#define JOB_PATTERN_MAX 512 /* fio's MAX_PATTERN_SIZE */

#define JOB_NAME_MAX 64
#define JOB_SS_DUR_MAX 300 /* ss_dur: seconds of samples one steady-state window holds */
#define JOB_VERIFY_BACKLOG_MAX 65536 /* verify_backlog: writes remembered for their read-back */
#define JOB_VERIFY_DUMP_BYTES 512
#define JOB_VERIFY_DUMPS 4

/* fio's log files (write_lat_log=, write_bw_log=, write_iops_log=, write_hist_log=; bench/io_log.h):
 * each named PREFIX_TYPE.N.log, N the job's number in its file (fio's thread_number), or
 * PREFIX_TYPE.log with per_job_logs=0. */
enum job_log_kind { JOB_LOG_LAT, JOB_LOG_BW, JOB_LOG_IOPS, JOB_LOG_HIST, JOB_LOG_KINDS };
#define JOB_LOG_PREFIX_MAX 64
struct job_logs {
    bool on[JOB_LOG_KINDS];
    char prefix[JOB_LOG_KINDS][JOB_LOG_PREFIX_MAX]; /* "": the job's name, as fio */
    uint64_t avg_msec;        /* log_avg_msec: 0 logs every I/O */
    uint64_t hist_msec;       /* log_hist_msec: 0 writes no histogram entries */
    unsigned hist_coarseness; /* log_hist_coarseness: 0..6, each step halves the bins */
    bool max_value;           /* log_max_value: an averaged entry is the window's largest value */
    bool offset;              /* log_offset: each entry also gives the I/O's offset */
    bool prio;                /* log_prio: the priority column as fio's 0x%04x (always 0x0000 here) */
    bool per_job;             /* per_job_logs (default 1): the .N in the names */
};
#define JOB_NUMJOBS_MAX 64
#define JOB_MAX_OPTIONS 48
#define JOB_KEY_MAX 32
#define JOB_VALUE_MAX 96

struct job_option {
    char key[JOB_KEY_MAX];     /* fio's name for it: "bs" for blocksize=, "rw" for readwrite= */
    char value[JOB_VALUE_MAX]; /* "" for a flag given without a value; a longer value (a long
                                  luns= list) is kept cut short, ending in "..." */
    unsigned line;             /* where it was set; 0: the command line */
};

/* fio's FIO_RANDSEED (init.c): the seed when randseed= is not given. */
#define JOB_DEFAULT_RANDSEED 0xb1899bedull

struct job_spec {
    char name[JOB_NAME_MAX];
    enum job_rw rw;          /* default read */
    unsigned rwmixread;      /* percent of reads for rw/randrw; default 50 */
    uint32_t bs;             /* the smallest I/O of any direction: random offsets are multiples of
                                it (fio's blockalign default); a multiple of 512 */
    uint32_t bs_max;         /* the largest I/O of any direction (buffers are this big) */
    struct job_block_sizes bsz[JOB_DDIRS]; /* bs=, bsrange=, bssplit= per direction */
    int64_t seq_add;         /* rw=read:N: bytes skipped after each sequential I/O (< 0: back) */
    uint64_t seq_nr;         /* rw=randread:N: I/Os per new random offset (sequential between) */
    unsigned percentage_random[JOB_DDIRS]; /* random jobs: percent of I/Os at a random offset */
    uint64_t blockalign[JOB_DDIRS]; /* blockalign= (ba=): random offsets are multiples of this many
                                       bytes (a multiple of bs); 0: of bs, fio's default */
    struct job_distribution dist[JOB_DDIRS];
    uint64_t loops;          /* runs of the whole job (fio's loops=); default 1 */
    /* zonemode=strided: zone_size bytes done in each zone of zone_range bytes, zone_skip bytes
     * between zones; zone_size 0: no zones (zonemode=none). */
    uint64_t zone_size, zone_range, zone_skip;
    bool zonemode_strided;
    unsigned iodepth;        /* default 1 */
    uint64_t runtime_ms;     /* 0: no time limit */
    bool time_based;         /* run for runtime_ms even when size is done, wrapping around */
    uint64_t ramp_time_ms;   /* run this long before accounting starts */
    uint64_t size;           /* bytes of each LUN to use; 0: from offset to the end */
    uint64_t filesize;       /* fio's filesize= (one size, not a range): each LUN is taken to be this
                                big, its region ending there; 0: not given */
    uint64_t offset;         /* bytes into each LUN where the region starts; a multiple of 512 */
    unsigned size_percent;   /* 1..100: size=N% (fio: N percent of each LUN's capacity); 0: size */
    unsigned offset_percent; /* 1..100: offset=N% (fio: of the capacity, aligned up to bs); 0: offset */
    uint64_t number_ios;     /* stop after this many I/Os; 0: no limit */
    uint64_t rate_iops[JOB_DDIRS];     /* caps per direction; 0: unlimited */
    uint64_t rate_bytes[JOB_DDIRS];    /* rate=: bytes per second */
    uint64_t rate_iops_min[JOB_DDIRS]; /* the job fails when a second's rate falls below these */
    uint64_t rate_bytes_min[JOB_DDIRS];
    enum job_rate_process rate_process;
    enum job_random_generator random_generator;
    /* latency_target (bench/latency_target.h): 0 off; the window; the percent of each window's
     * I/Os that must meet it (default 100); latency_run: keep adjusting for the whole runtime. */
    uint64_t latency_target_us, latency_window_us;
    double latency_percentile;
    bool latency_run;
    /* SYNCHRONIZE CACHE, counted in fio's "sync" object: after every fsync_blocks (fsync=) or
     * fdatasync_blocks (fdatasync=) writes to a LUN, once its writes are done; end_syncs passes
     * over every LUN the job wrote at its end (end_fsync=1, fsync_on_close=1: one each). */
    uint64_t fsync_blocks, fdatasync_blocks;
    unsigned end_syncs;
    bool end_fsync, fsync_on_close;
    /* thinktime=: after every thinktime_blocks I/Os (completed, or issued with
     * thinktime_blocks_type=issue) the job waits for its I/Os in flight, then idles this long. */
    uint64_t thinktime_us, thinktime_spin_us, thinktime_blocks;
    bool thinktime_on_issue;
    /* What the report leaves out or adds (fio's disable_*, *_percentiles). */
    bool disable_lat, disable_clat, disable_slat, disable_bw;
    bool lat_percentiles, clat_percentiles, slat_percentiles;
    /* exitall: once this job ends, the jobs exit_what names are terminated (fio 3.33 keeps
     * exitall in one global flag: job_plan sets it on every instance once one job has it);
     * exitall_on_error: the same when it ends with an error. */
    bool exitall, exitall_on_error;
    enum job_exit_what exit_what;
    /* fio's coordination of the jobs that run side by side (bench/wave.h):
     * - startdelay: the job starts this long after the run began (fio's genesis); with a range,
     *   each instance draws its own delay in [startdelay_ms, startdelay_hi_ms] (job_plan draws it
     *   into startdelay_ms and clears startdelay_hi_ms);
     * - wait_for: the job starts once every instance of the job named has ended (wait_for_job: its
     *   index among the file's jobs, -1 none; job_plan turns it into instance indexes
     *   [waitee_first, waitee_end));
     * - flow: the job's weight (1..1000; 0: in no flow) among the jobs of its flow_id, whose I/O
     *   counts are kept in proportion to their weights; flow_sleep_us: how long a job held back
     *   idles (after its I/Os in flight are done) before it tries again. */
    uint64_t startdelay_ms, startdelay_hi_ms;
    char wait_for[JOB_NAME_MAX];
    long wait_for_job;
    size_t waitee_first, waitee_end;
    unsigned flow;
    uint64_t flow_id, flow_sleep_us;
    /* offset_increment: clone k's region starts offset_increment * k bytes (or that percent of
     * each LUN's capacity, aligned up to bs) after offset (fio's subjob_number k). */
    uint64_t offset_increment;
    unsigned offset_increment_percent;
    /* Set by job_plan for each instance: which numjobs clone it is (fio's subjob_number) and its
     * reporting group (fio's groupid). */
    unsigned clone, groupid;
    struct job_logs logs;
    /* fio's job grouping: stonewall (wait_for_previous) starts the job once the jobs before it have
     * ended, in a new reporting group; new_group starts a new group without waiting;
     * group_reporting reports a group as one entry; numjobs runs that many clones side by side. */
    bool stonewall, new_group, group_reporting;
    unsigned numjobs;        /* 1..JOB_NUMJOBS_MAX, default 1 */
    /* fio's cpus_allowed / cpumask: bit c lets the job (each clone) run on CPU c; 0: any CPU.
     * cpus_allowed_policy=split gives clone k the k-th CPU of the set (shared: any of them). */
    uint64_t cpus_allowed;
    bool cpus_split;
    enum job_buffers buffers;
    bool refill_buffers;   /* random data: new for every write */
    bool scramble_buffers; /* random data: a little of it changed for every write (fio's default) */
    uint8_t pattern[JOB_PATTERN_MAX];
    size_t pattern_len;
    bool verify;             /* verify=: stamped blocks (bench/stamp.h), read back and checked */
    uint8_t verify_method;   /* enum stamp_method: crc32c (default), md5, sha1, sha256, xxhash, meta, pattern */
    /* verify_pattern: each verified block's data (bench/stamp.h); 0 bytes: lunbench's own. */
    uint8_t verify_pattern[JOB_PATTERN_MAX];
    size_t verify_pattern_len;
    uint64_t verify_interval; /* bytes, a whole number of each LUN's blocks; 0: not given */
    bool fill_device;         /* each LUN's region runs to its end, whatever size= says */
    bool do_verify;          /* default true: the read-back phase after writing */
    /* verify_backlog=N: after every N writes done, the job reads them back and checks them before
     * it writes more (fio: "write only N blocks before verifying these blocks"); 0: only at the end.
     * verify_fatal: the first failed check ends the job. verify_dump: a failed block is shown on
     * the console in hex (its first JOB_VERIFY_DUMP_BYTES bytes, at most JOB_VERIFY_DUMPS blocks). */
    uint64_t verify_backlog;
    bool verify_fatal, verify_dump;
    /* steadystate= (ss=), ss_dur=, ss_ramp= (bench/steadystate.h): off while ss_dur is 0. ss_bw:
     * bandwidth (bytes a second), else IOPS; ss_slope: the slope, else the largest deviation;
     * ss_pct: the limit is a percent of the mean. */
    bool ss_bw, ss_slope, ss_pct;
    double ss_limit;
    uint64_t ss_dur_s, ss_ramp_ms;
    uint64_t verify_generation; /* lunbench: a verifying read fails blocks stamped before this */
    bool filename_given;     /* fio's filename=/directory=: allowed only together with luns= */
    uint64_t randseed;       /* default JOB_DEFAULT_RANDSEED: runs are repeatable */
    double percentiles[HIST_MAX_PERCENTILES]; /* strictly ascending, each in (0, 100] */
    size_t percentile_count; /* default fio's list */
    struct lun_selection luns;
    enum lun_order lun_order;
    /* The options as written (after [global]), for fio's "job options" object. */
    struct job_option options[JOB_MAX_OPTIONS];
    size_t option_count;
    char source[64];         /* file name the job came from ("command line" for overrides only) */
    unsigned line;           /* of its [section] header */
    unsigned number;         /* 1, 2, ...: its place among the file's jobs (fio's thread_number) */
};

void job_spec_defaults(struct job_spec *job);

/*
 * Parse an fio-style job file: [global] sections set defaults for the job sections after them,
 * other sections are jobs, ';' and '#' start comments (anywhere in a line, as fio's parser
 * does), "key=value" or a bare "key" (a flag).
 * overrides (key=value strings, e.g. from the kernel command line) apply to every job after
 * its own options. Every option is checked before anything runs. Returns 0 with *count jobs,
 * or -1 with "FILE:LINE: option 'KEY': what is wrong" (or "FILE: no job sections") in err.
 */
int job_file_parse(const char *file_name, const char *text, size_t len, const char *const *overrides,
                   size_t n_overrides, struct job_spec *jobs, size_t max_jobs, size_t *count, char *err,
                   size_t err_len);

/* Check one key=value as job_file_parse would (for the kernel command line): 0, or -1 with
 * "option 'KEY': what is wrong" or "unknown option 'KEY'" (no location: the caller adds it).
 * value NULL is a bare key (a flag). */
int job_option_check(const char *key, const char *value, char *err, size_t err_len);
/* Every option name job_file_parse knows, the ones it refuses with a reason included. */
bool job_option_known(const char *key);

/* fio's size syntax: a number with an optional k/m/g/t/p suffix, any case, binary (4k = 4K =
 * 4kb = 4KB = 4096; fio's default kb_base=1024), an optional b/B alone ("4096b"), or "0x" hex
 * without a suffix. The IEC forms (4ki, 4KiB) are refused: fio 3.33 reads 4KiB as 4000 but 4ki
 * as 4096. Returns 0 or -1 (bad syntax, overflow, a sign, a fraction, spaces). */
int job_parse_size(const char *text, uint64_t *bytes);
/* fio's time syntax for runtime/ramp_time: a whole number in seconds, or with a suffix (any
 * case) us/usec, ms/msec, s, m (minutes), h, d; microseconds round up to a whole ms. "sec" and
 * "min" are refused: fio 3.33 reads 10sec as 10 us. Returns 0 or -1. */
int job_parse_time_ms(const char *text, uint64_t *ms);
/* The same syntax for options whose plain numbers are microseconds (thinktime=): "500" is 500 us,
 * "2ms" 2000. Returns 0 or -1. */
int job_parse_time_us(const char *text, uint64_t *us);

const char *job_rw_name(enum job_rw rw); /* fio's names: "read", "randwrite", "rw", ... */
/* Whether the job's pattern is random (randread, randwrite, randrw, randtrim, randtrimwrite). */
bool job_random_offsets(const struct job_spec *job);
/* Whether the job reads (dir JOB_DDIR_READ), writes (JOB_DDIR_WRITE) or trims (JOB_DDIR_TRIM). */
bool job_does_dir(const struct job_spec *job, int dir);
/* Whether the job changes what its LUNs hold (writes or trims). */
bool job_changes_data(const struct job_spec *job);
/* The job's block sizes for a report line: "4096"; "512-65536" (a range or a split); or per
 * direction, "r 4096, w 8192-32768", where the directions it does differ. */
void job_bs_text(const struct job_spec *job, char *buf, size_t len);

#endif
