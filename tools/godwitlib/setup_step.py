"""`godwit setup`: install what Godwit needs, and nothing more, saying what it did.

Debian packages come through apt-get (with sudo when not root). The lwIP 2.1.3 and
BearSSL 0.6 sources come from Debian's source packages, fetched with a private apt
configuration so that the system's package lists and sources are left exactly as they
were (docs/decisions/0002-*.md, 0013-*.md).
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

# Package -> (a file that proves it is installed, cheaper and clearer than asking dpkg;
# what Godwit uses it for, said when it is installed).
PACKAGES = {
    "cmake": ("/usr/bin/cmake", "the build"),
    "g++": ("/usr/bin/g++", "the compiler"),
    "make": ("/usr/bin/make", "the build"),
    "libgtest-dev": ("/usr/include/gtest/gtest.h", "the unit tests"),
    "qemu-system-x86": ("/usr/bin/qemu-system-x86_64", "QEMU: AMD-V nodes"),
    "bochs": ("/usr/bin/bochs", "Bochs: VT-x nodes"),
    "bochsbios": ("/usr/share/bochs/BIOS-bochs-latest", "Bochs' BIOS"),
    "vgabios": ("/usr/share/vgabios/vgabios.bin", "Bochs' VGA BIOS"),
    "bochs-term": ("/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so", "Bochs without a display"),
    "grub-pc-bin": ("/usr/lib/grub/i386-pc/multiboot2.mod", "the boot ISO"),
    "grub-common": ("/usr/bin/grub-mkrescue", "the boot ISO"),
    "xorriso": ("/usr/bin/xorriso", "the boot ISO"),
    "mtools": ("/usr/bin/mformat", "the boot ISO"),
    "python3": ("/usr/bin/python3", "the tools"),
    "iproute2": ("/usr/bin/ip", "the link of a run: bridge, taps and tc shaping"),
    "iputils-ping": ("/usr/bin/ping", "ping on the link from the host side (tests, by hand)"),
    "util-linux": ("/usr/bin/unshare", "the link's private network namespace (unshare, nsenter, setpriv)"),
    "clang-format": ("/usr/bin/clang-format", "lint"),
    "clang-tidy": ("/usr/bin/clang-tidy", "lint"),
    "python3-matplotlib": ("/usr/lib/python3/dist-packages/matplotlib/__init__.py",
                           "the figures of `experiment` and `plot`"),
    "chromium": ("/usr/bin/chromium", "the experiments test: renders the report headless and screenshots it"),
    "clang": ("/usr/bin/clang++", "the fuzz targets (libFuzzer) and the unit tests under ASan and UBSan"),
    "libclang-rt-dev": ("/usr/share/doc/libclang-rt-dev/copyright", "libFuzzer and the sanitizers' runtimes"),
}

LWIP_VERSION = "2.1.3"
LWIP_DIR = paths.CACHE / f"lwip-{LWIP_VERSION}"
BEARSSL_VERSION = "0.6"
BEARSSL_DIR = paths.CACHE / f"bearssl-{BEARSSL_VERSION}"
# The BearSSL files cmake/GodwitBearssl.cmake compiles; their presence marks a good unpack.
BEARSSL_PROOF = Path("src") / "symcipher" / "poly1305_ctmul.c"


def say(message, quiet=False):
    if not quiet:
        print(f"godwit setup: {message}")


def missing_packages():
    return [name for name, (proof, _) in PACKAGES.items() if not os.path.exists(proof)]


def privileged(command):
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo") is None:
        raise SystemExit("godwit setup: need root or sudo to install packages: "
                         + " ".join(command))
    return ["sudo"] + command


def install_packages(names):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("godwit setup: installing Debian packages:")
    for name in names:
        print(f"godwit setup:   {name:<16} for {PACKAGES[name][1]}")
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


def verify_against_dsc(directory: Path, package: str):
    """Checks every file the .dsc lists against its SHA-256; returns the .orig tarball."""
    dsc = next(directory.glob(f"{package}_*.dsc"))
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
    if orig is None:
        raise SystemExit(f"godwit setup: the {package} source package has no .orig tarball")
    return orig


def download_source_package(package: str) -> Path:
    """Downloads Debian's source package `package` with a private apt state (lists, cache
    and sources under the cache; the system's are not touched), verifies it against its
    .dsc and returns the .orig tarball."""
    apt = paths.CACHE / "apt"
    for sub in ["lists/partial", "cache/archives/partial", "download"]:
        (apt / sub).mkdir(parents=True, exist_ok=True)
    sources = apt / "sources.list.sources"
    sources.write_text(source_entries())
    options = ["-o", f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=/nonexistent",
               "-o", f"Dir::State::Lists={apt / 'lists'}", "-o", f"Dir::Cache={apt / 'cache'}",
               "-o", "APT::Sandbox::User=root"]
    print(f"godwit setup: fetching Debian's {package} source package (private apt state in "
          f"{apt}; the system's apt configuration is not touched)")
    subprocess.run(["apt-get", "update", "-q"] + options, check=True, stdout=subprocess.DEVNULL)
    download = apt / "download"
    subprocess.run(["apt-get", "source", "--download-only", "-q", package] + options,
                   cwd=download, check=True, stdout=subprocess.DEVNULL)
    return verify_against_dsc(download, package)


def unpack(orig: Path, check, destination: Path):
    """Unpacks the tarball's top folder into `destination` if check(folder) accepts it."""
    staging = paths.CACHE / f"{destination.name}-unpack"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(orig) as archive:
        archive.extractall(staging, filter="data")
    top = next(p for p in staging.iterdir() if p.is_dir())
    check(top)
    shutil.rmtree(destination, ignore_errors=True)
    top.rename(destination)
    shutil.rmtree(staging, ignore_errors=True)


def check_lwip(top: Path):
    version_header = (top / "src" / "include" / "lwip" / "init.h").read_text()
    if not re.search(r"LWIP_VERSION_MAJOR\s+2\b", version_header) or \
            not re.search(r"LWIP_VERSION_MINOR\s+1\b", version_header):
        raise SystemExit("godwit setup: the lwip source package is not lwIP 2.1")


def fetch_lwip(quiet=False):
    """Unpacks lwIP 2.1.3 into the cache (outside the source tree) unless already there."""
    if (LWIP_DIR / "src" / "Filelists.cmake").exists():
        say(f"lwIP {LWIP_VERSION} source already in {LWIP_DIR}", quiet)
        return LWIP_DIR
    unpack(download_source_package("lwip"), check_lwip, LWIP_DIR)
    print(f"godwit setup: lwIP {LWIP_VERSION} source verified and unpacked in {LWIP_DIR}")
    return LWIP_DIR


def fetch_bearssl(quiet=False):
    """Unpacks BearSSL 0.6 into the cache (outside the source tree) unless already there.
    BearSSL has no version macro: the .orig tarball's name (verified by the .dsc) says it."""
    if (BEARSSL_DIR / BEARSSL_PROOF).exists():
        say(f"BearSSL {BEARSSL_VERSION} source already in {BEARSSL_DIR}", quiet)
        return BEARSSL_DIR
    orig = download_source_package("bearssl")
    if not orig.name.startswith(f"bearssl_{BEARSSL_VERSION}+"):
        raise SystemExit(f"godwit setup: the bearssl source package is {orig.name}, not BearSSL "
                         f"{BEARSSL_VERSION}")

    def check(top: Path):
        if not (top / BEARSSL_PROOF).exists() or not (top / "inc" / "bearssl_kdf.h").exists():
            raise SystemExit(f"godwit setup: {orig.name} does not hold BearSSL's sources")

    unpack(orig, check, BEARSSL_DIR)
    print(f"godwit setup: BearSSL {BEARSSL_VERSION} source verified and unpacked in {BEARSSL_DIR}")
    return BEARSSL_DIR


def ensure_ready(quiet=False):
    """Installs missing packages and fetches lwIP and BearSSL; prints only what it changed
    if quiet."""
    missing = missing_packages()
    if missing:
        install_packages(missing)
        still = missing_packages()
        if still:
            raise SystemExit(f"godwit setup: still missing after install: {' '.join(still)}")
    else:
        say("all Debian packages present", quiet)
    fetch_lwip(quiet)
    fetch_bearssl(quiet)


def add_arguments(parser):
    pass


def command(args):
    ensure_ready(quiet=False)
    print("godwit setup: ready")
    return 0


