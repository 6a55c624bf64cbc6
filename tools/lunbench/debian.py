"""Debian packages fetched for the comparisons (tools/compare), never installed on the host.

A private apt configuration under build/apt/ (its own sources list, lists, cache and an empty
dpkg status, read through APT_CONFIG) lets `apt-get download` fetch packages from suites the
system's sources do not name (bookworm-backports for QEMU 10.0) without touching /etc/apt: the
mirror is the one the system's own sources already use. `dpkg -x` unpacks a package into a
folder of ours; nothing goes through dpkg's database.
"""
import glob
import os
import re
import shutil
import subprocess

from . import ROOT

APT_ROOT = os.path.join(ROOT, "build", "apt")
SYSTEM_SOURCES = ("/etc/apt/sources.list", "/etc/apt/sources.list.d")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SUITES = ("bookworm", "bookworm-updates", "bookworm-backports")


class DebianError(Exception):
    pass


def mirror_from_sources(texts, suite="bookworm"):
    """The URI of the first source (one-line or deb822 format) that serves `suite` (main), or None.

    texts: the contents of the system's sources files. A security mirror serves only
    bookworm-security, so it never matches suite "bookworm"."""
    for text in texts:
        # one-line format: deb [options] URI SUITE COMPONENTS...
        for line in text.splitlines():
            words = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb" and words[2] == suite:
                return words[1].rstrip("/")
        # deb822: paragraphs of "Key: value" lines
        for para in re.split(r"\n\s*\n", text):
            fields = {}
            for line in para.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.split()
            if "deb" in fields.get("types", []) and suite in fields.get("suites", []) and fields.get("uris"):
                return fields["uris"][0].rstrip("/")
    return None


def system_mirror():
    """The Debian mirror the system's sources use (DEFAULT_MIRROR when none names bookworm)."""
    texts = []
    for where in SYSTEM_SOURCES:
        paths = sorted(glob.glob(os.path.join(where, "*.list")) + glob.glob(os.path.join(where, "*.sources"))) \
            if os.path.isdir(where) else [where]
        for path in paths:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts.append(f.read())
            except OSError:
                pass
    return mirror_from_sources(texts) or DEFAULT_MIRROR


def sources_list(mirror, suites=SUITES, keyring=KEYRING):
    """The private sources list: main of each suite at the system's mirror."""
    return "".join("deb [signed-by=%s] %s %s main\n" % (keyring, mirror, s) for s in suites)


def apt_conf(root):
    """The private apt.conf: every path apt reads or writes under root, nothing of /etc/apt but
    the keyring the sources name. An empty dpkg status makes apt resolve as for an empty system."""
    paths = {
        "Dir::Etc::sourcelist": os.path.join(root, "sources.list"),
        "Dir::Etc::sourceparts": os.path.join(root, "sources.list.d"),
        "Dir::Etc::parts": os.path.join(root, "apt.conf.d"),
        "Dir::Etc::preferences": os.path.join(root, "preferences"),
        "Dir::Etc::preferencesparts": os.path.join(root, "preferences.d"),
        "Dir::State": os.path.join(root, "state"),
        "Dir::State::Lists": os.path.join(root, "lists"),
        "Dir::State::status": os.path.join(root, "status"),
        "Dir::Cache": os.path.join(root, "cache"),
        "Dir::Cache::archives": os.path.join(root, "cache", "archives"),
        "Dir::Log": os.path.join(root, "log"),
    }
    lines = ['%s "%s";' % kv for kv in paths.items()]
    lines += ['APT::Architecture "amd64";',
              'APT::Architectures { "amd64"; };',
              'Acquire::Languages "none";',
              # the folders are root's: downloading as _apt would fail to write into them
              'APT::Sandbox::User "root";',
              'APT::Install-Recommends "false";']
    return "\n".join(lines) + "\n"


class Apt:
    """apt-get and apt-cache under the private configuration in root (default build/apt)."""

    def __init__(self, root=APT_ROOT, mirror=None):
        self.root = root
        self.mirror = mirror or system_mirror()
        self.conf = os.path.join(root, "apt.conf")
        self.updated = False
        self.problems = []  # what apt-get update could not fetch

    def write_config(self):
        for d in ("sources.list.d", "apt.conf.d", "preferences.d", "state", "lists/partial",
                  "cache/archives/partial", "log"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        for name, text in (("sources.list", sources_list(self.mirror)), ("apt.conf", apt_conf(self.root)),
                           ("status", "")):
            with open(os.path.join(self.root, name), "w") as f:
                f.write(text)

    def env(self):
        return dict(os.environ, APT_CONFIG=self.conf, DEBIAN_FRONTEND="noninteractive")

    def run(self, args, cwd=None):
        proc = subprocess.run(args, cwd=cwd, env=self.env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise DebianError("%s: exit code %d: %s" % (" ".join(args[:3]), proc.returncode,
                                                       (proc.stderr or proc.stdout).strip()[-800:]))
        return proc.stdout

    def update(self):
        """apt-get update into the private lists (once per Apt)."""
        if self.updated:
            return
        self.write_config()
        where = "the package lists of %s (private apt configuration in %s)" % (self.mirror, self.root)
        # apt-get update exits 0 when a mirror cannot be reached (it warns "Failed to fetch"):
        # what it fetched is checked instead, and its Err/W lines name why
        proc = subprocess.run(["apt-get", "update", "-q"], env=self.env(), capture_output=True, text=True)
        text = proc.stdout + proc.stderr
        self.problems = update_problems(text)
        lists = glob.glob(os.path.join(self.root, "lists", "*_dists_bookworm_main_binary-amd64_Packages*"))
        if proc.returncode != 0 or not lists:
            raise DebianError("cannot read %s: %s" % (where, "; ".join(self.problems) or text.strip()[-400:]
                                                      or "exit code %d" % proc.returncode))
        self.updated = True

    def version(self, package, suite=None):
        """The version apt would download of package (from suite when given)."""
        self.update()
        out = self.run(["apt-cache", "policy", package])
        if suite is None:
            m = re.search(r"Candidate: (\S+)", out)
            return m.group(1) if m and m.group(1) != "(none)" else None
        versions = re.findall(r"^\s+(?:\*\*\* )?(\S+) \d+\n((?:\s+\d+ .*\n)+)", out, re.M)
        for version, origins in versions:
            if re.search(r"\s%s/main" % re.escape(suite), origins):
                return version
        return None

    def download(self, specs, dest):
        """apt-get download each of specs ("name" or "name=version") into dest; the .deb paths."""
        self.update()
        os.makedirs(dest, exist_ok=True)
        self.run(["apt-get", "download", "-q"] + list(specs), cwd=dest)
        debs = []
        for spec in specs:
            name = re.split(r"[=/]", spec)[0]
            found = sorted(glob.glob(os.path.join(dest, "%s_*.deb" % name)))
            if not found:
                raise DebianError("apt-get download %s left no %s_*.deb in %s" % (spec, name, dest))
            debs.append(found[-1])
        return debs

    def depends(self, package):
        """The packages package Depends or Pre-Depends on (the first of each alternative)."""
        self.update()
        return parse_depends(self.run(["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                                       "--no-breaks", "--no-replaces", "--no-enhances", package]))


def update_problems(text):
    """apt-get update's lines that say what it could not fetch ("Err:", "W: Failed to fetch",
    "E: ..."), each on one line."""
    return [line.strip() for line in text.splitlines()
            if re.match(r"^\s*(Err:|E: |W: (Failed to fetch|Some index files failed))", line)]


def parse_depends(text):
    """The Depends and Pre-Depends of apt-cache depends' output, the first of each alternative
    ("|Depends: a" then "Depends: b": a is taken, b is its alternative)."""
    names = []
    alternative = False
    for line in text.splitlines():
        m = re.match(r"\s*(\|)?(Pre)?Depends: <?([^>\s]+)>?", line)
        if m:
            if not alternative:
                names.append(m.group(3))
            alternative = m.group(1) == "|"
    return names


def unpack(deb, dest):
    """dpkg -x deb into dest (no maintainer scripts, no dpkg database)."""
    os.makedirs(dest, exist_ok=True)
    proc = subprocess.run(["dpkg-deb", "-x", deb, dest], capture_output=True, text=True)
    if proc.returncode != 0:
        raise DebianError("dpkg -x %s: %s" % (deb, proc.stderr.strip()))


def relink(root):
    """Absolute symbolic links inside an unpacked tree (qemu-system-data's links into
    /usr/share/seabios, say) made to point into root itself, when root has their target."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                continue
            target = os.readlink(path)
            inside = os.path.join(root, target.lstrip("/"))
            if target.startswith("/") and os.path.lexists(inside):
                os.remove(path)
                os.symlink(os.path.relpath(inside, dirpath), path)


# QEMU versions `qemu=VERSION` installs, and the suite that has them
QEMU_SUITES = {"10": "bookworm-backports"}
QEMU_PACKAGES = ("qemu-system-x86", "qemu-system-common", "qemu-system-data", "seabios")


def install_qemu(version, root=None, apt=None, log=print):
    """QEMU `version` (a key of QEMU_SUITES) unpacked into build/qemu/<version>/ with its
    firmware (qemu-system-data, seabios) beside it, once. Returns (binary, [-L folders]).
    The host's libraries must cover the binary's (qemu-system-x86 7.2's do for 10.0): a missing
    one is a DebianError naming it."""
    if version not in QEMU_SUITES:
        raise DebianError("qemu=%s: no suite known for it (known: %s; or give qemu=PATH)" % (
            version, ", ".join(sorted(QEMU_SUITES))))
    root = root or os.path.join(ROOT, "build", "qemu", version)
    binary = os.path.join(root, "usr", "bin", "qemu-system-x86_64")
    data = [os.path.join(root, "usr", "share", "qemu"), os.path.join(root, "usr", "share", "seabios")]
    if not os.path.exists(binary):
        apt = apt or Apt()
        suite = QEMU_SUITES[version]
        found = apt.version("qemu-system-x86", suite)
        if not found or not re.match(r"^(\d+:)?%s\." % re.escape(version), found):
            raise DebianError("qemu=%s: %s has qemu-system-x86 %s%s" % (
                version, suite, found or "none", " (apt-get update: %s)" % "; ".join(apt.problems) if apt.problems else ""))
        log("compare: installing QEMU %s from %s into %s" % (found, suite, root))
        staging = root + ".new"
        shutil.rmtree(staging, ignore_errors=True)
        for deb in apt.download(["%s/%s" % (p, suite) for p in QEMU_PACKAGES], os.path.join(root + "-debs")):
            unpack(deb, staging)
        relink(staging)
        shutil.rmtree(root, ignore_errors=True)
        os.rename(staging, root)
    proc = subprocess.run(["ldd", binary], capture_output=True, text=True)
    missing = re.findall(r"^\s*(\S+) => not found", proc.stdout, re.M)
    if missing:
        raise DebianError("%s needs %s, which this host lacks (apt-get install the packages that hold them)"
                          % (binary, ", ".join(missing)))
    return binary, data
