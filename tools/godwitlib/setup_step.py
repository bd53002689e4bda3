"""`godwit setup`: install what Godwit needs, and nothing more, saying what it did.

Debian packages come through apt-get (with sudo when not root). The lwIP 2.1.3 source
comes from Debian's source package, fetched with a private apt configuration so that
the system's package lists and sources are left exactly as they were.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from . import paths

# Package -> a file that proves it is installed (cheaper and clearer than asking dpkg).
PACKAGES = {
    "cmake": "/usr/bin/cmake",
    "g++": "/usr/bin/g++",
    "make": "/usr/bin/make",
    "libgtest-dev": "/usr/include/gtest/gtest.h",
    "qemu-system-x86": "/usr/bin/qemu-system-x86_64",
    "bochs": "/usr/bin/bochs",
    "bochsbios": "/usr/share/bochs/BIOS-bochs-latest",
    "vgabios": "/usr/share/vgabios/vgabios.bin",
    "bximage": "/usr/bin/bxhub",
    "bochs-term": "/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so",
    "grub-pc-bin": "/usr/lib/grub/i386-pc/multiboot2.mod",
    "grub-common": "/usr/bin/grub-mkrescue",
    "xorriso": "/usr/bin/xorriso",
    "mtools": "/usr/bin/mformat",
    "python3": "/usr/bin/python3",
    "iproute2": "/usr/bin/ip",
    "util-linux": "/usr/bin/unshare",
    "clang-format": "/usr/bin/clang-format",
    "clang-tidy": "/usr/bin/clang-tidy",
    "clang": "/usr/bin/clang++",  # the fuzz targets (libFuzzer), with ASan and UBSan
    "libclang-rt-dev": "/usr/share/doc/libclang-rt-dev/copyright",  # libFuzzer and the sanitizers' runtimes
}

LWIP_VERSION = "2.1.3"
LWIP_DIR = paths.CACHE / f"lwip-{LWIP_VERSION}"


def say(message, quiet=False):
    if not quiet:
        print(f"godwit setup: {message}")


def missing_packages():
    return [name for name, proof in PACKAGES.items() if not os.path.exists(proof)]


def privileged(command):
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo") is None:
        raise SystemExit("godwit setup: need root or sudo to install packages: "
                         + " ".join(command))
    return ["sudo"] + command


def install_packages(names):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"godwit setup: installing Debian packages: {' '.join(names)}")
    subprocess.run(privileged(["apt-get", "update", "-q"]), check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run(privileged(["apt-get", "install", "-y", "-q", "--no-install-recommends"]
                              + names), check=True, env=env, stdout=subprocess.DEVNULL)


def source_entries():
    """The system's own apt sources, rewritten as deb-src entries (deb822 format)."""
    stanzas = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in Path(path).read_text().split("\n\n"):
            if re.search(r"^Types:.*\bdeb\b", stanza, re.M):
                stanzas.append(re.sub(r"^Types:.*$", "Types: deb-src", stanza, flags=re.M))
    if os.path.exists("/etc/apt/sources.list"):
        for line in Path("/etc/apt/sources.list").read_text().splitlines():
            match = re.match(r"\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)", line)
            if match:
                stanzas.append(f"Types: deb-src\nURIs: {match.group(2)}\n"
                               f"Suites: {match.group(3)}\nComponents: {match.group(4)}")
    return "\n\n".join(s.strip() for s in stanzas) + "\n"


def verify_against_dsc(directory: Path):
    """Checks every file the .dsc lists against its SHA-256; returns the .orig tarball."""
    dsc = next(directory.glob("lwip_*.dsc"))
    text = dsc.read_text()
    section = re.search(r"^Checksums-Sha256:\n((?: .*\n)+)", text, re.M)
    if section is None:
        raise SystemExit(f"godwit setup: {dsc} has no SHA-256 checksums")
    orig = None
    for line in section.group(1).splitlines():
        digest, _, name = line.split()
        actual = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        if actual != digest:
            raise SystemExit(f"godwit setup: checksum mismatch for {name}")
        if ".orig." in name:
            orig = directory / name
    return orig


def fetch_lwip(quiet=False):
    """Unpacks lwIP 2.1.3 into the cache (outside the source tree) unless already there."""
    if (LWIP_DIR / "src" / "Filelists.cmake").exists():
        say(f"lwIP {LWIP_VERSION} source already in {LWIP_DIR}", quiet)
        return LWIP_DIR
    apt = paths.CACHE / "apt"
    for sub in ["lists/partial", "cache/archives/partial", "download"]:
        (apt / sub).mkdir(parents=True, exist_ok=True)
    sources = apt / "sources.list.sources"
    sources.write_text(source_entries())
    options = ["-o", f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=/nonexistent",
               "-o", f"Dir::State::Lists={apt / 'lists'}", "-o", f"Dir::Cache={apt / 'cache'}",
               "-o", "APT::Sandbox::User=root"]
    print("godwit setup: fetching Debian's lwip source package (private apt state in "
          f"{apt}; the system's apt configuration is not touched)")
    subprocess.run(["apt-get", "update", "-q"] + options, check=True, stdout=subprocess.DEVNULL)
    download = apt / "download"
    subprocess.run(["apt-get", "source", "--download-only", "-q", "lwip"] + options,
                   cwd=download, check=True, stdout=subprocess.DEVNULL)
    orig = verify_against_dsc(download)
    if orig is None:
        raise SystemExit("godwit setup: the lwip source package has no .orig tarball")
    staging = paths.CACHE / "lwip-unpack"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(orig) as archive:
        archive.extractall(staging, filter="data")
    top = next(p for p in staging.iterdir() if p.is_dir())
    version_header = (top / "src" / "include" / "lwip" / "init.h").read_text()
    if not re.search(r"LWIP_VERSION_MAJOR\s+2\b", version_header) or \
            not re.search(r"LWIP_VERSION_MINOR\s+1\b", version_header):
        raise SystemExit("godwit setup: the lwip source package is not lwIP 2.1")
    shutil.rmtree(LWIP_DIR, ignore_errors=True)
    top.rename(LWIP_DIR)
    shutil.rmtree(staging, ignore_errors=True)
    print(f"godwit setup: lwIP {LWIP_VERSION} source verified and unpacked in {LWIP_DIR}")
    return LWIP_DIR


def ensure_ready(quiet=False):
    """Installs missing packages and fetches lwIP; prints only what it changed if quiet."""
    missing = missing_packages()
    if missing:
        install_packages(missing)
        still = missing_packages()
        if still:
            raise SystemExit(f"godwit setup: still missing after install: {' '.join(still)}")
    else:
        say("all Debian packages present", quiet)
    fetch_lwip(quiet)


def add_arguments(parser):
    pass


def command(args):
    ensure_ready(quiet=False)
    print("godwit setup: ready")
    return 0


