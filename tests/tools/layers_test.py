"""The layer check of `godwit lint` (tools/godwitlib/layers.py): the real tree is clean,
and an include that runs the wrong way is found and named."""
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from godwitlib import layers  # noqa: E402


def tree(files):
    """A temporary source tree holding `files` ({path: text})."""
    root = Path(tempfile.mkdtemp(prefix="godwit-layers-"))
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


class LayerCheck(unittest.TestCase):
    def test_the_project_tree_is_clean(self):
        self.assertEqual(list(layers.violations(ROOT)), [])

    def test_migration_including_the_kernel_is_a_violation(self):
        root = tree({"migration/sender.cpp": '#include "lib/expected.h"\n#include "kernel/vm/vm.h"\n'})
        found = list(layers.violations(root))
        self.assertEqual(found, [(Path("migration/sender.cpp"), 2, "kernel/vm/vm.h", "migration")])

    def test_drivers_reaching_the_shell_or_main_loop_are_violations(self):
        root = tree({"drivers/e1000/e1000.cpp": '#include "kernel/shell/shell.h"\n',
                     "drivers/nic/find_nic.cpp": '#include "kernel/loop/main_loop.h"\n',
                     "net/net.cpp": '#include "kernel/vm/guests.h"\n#include "kernel/console/log.h"\n'})
        found = {(str(p), inc) for p, _, inc, _ in layers.violations(root)}
        self.assertEqual(found, {("drivers/e1000/e1000.cpp", "kernel/shell/shell.h"),
                                 ("drivers/nic/find_nic.cpp", "kernel/loop/main_loop.h"),
                                 ("net/net.cpp", "kernel/vm/guests.h")})

    def test_lib_includes_nothing_else_of_godwit(self):
        root = tree({"lib/format.cpp": '#include "lib/format.h"\n#include "arch/x86/cpu/intrinsics.h"\n'})
        self.assertEqual([inc for _, _, inc, _ in layers.violations(root)], ["arch/x86/cpu/intrinsics.h"])

    def test_the_kernel_and_system_headers_are_not_limited(self):
        root = tree({"kernel/main.cpp": '#include "migration/migration_sender.h"\n#include <cstdint>\n',
                     "net/tcp_stream.cpp": '#include "lwip/tcp.h"\n'})
        self.assertEqual(list(layers.violations(root)), [])


if __name__ == "__main__":
    unittest.main()
