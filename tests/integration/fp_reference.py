"""The loadgen guest's floating-point work (guests/loadgen/fp_work.cpp), recomputed
here: the same IEEE 754 double operations in the same order give the same bits, so the
digest a guest prints at a checkpoint can be checked against the one it must print.
tests/unit/guests/loadgen pins the first thousand blocks' digest on both sides."""
import struct

MASK = (1 << 64) - 1
DIGEST_START = 0xCBF29CE484222325
BLOCK_ITERATIONS = 1000


def fp_block(k: int) -> int:
    x = 0.5 + float(k % (1 << 18)) * (1.0 / 1048576.0)
    y = 1.0
    for _ in range(BLOCK_ITERATIONS):
        x = 3.9 * x * (1.0 - x)
        y = y * 0.999 + x / (1.0 + x)
    xb = struct.unpack("<Q", struct.pack("<d", x))[0]
    yb = struct.unpack("<Q", struct.pack("<d", y))[0]
    return xb ^ (((yb << 1) | (yb >> 63)) & MASK)


class Digests:
    """digest(blocks): the loadgen's digest after blocks 0 .. blocks-1, computed once per
    block however often it is asked."""

    def __init__(self):
        self._digest, self._blocks = DIGEST_START, 0
        self._known = {0: DIGEST_START}

    def digest(self, blocks: int) -> int:
        if blocks in self._known:
            return self._known[blocks]
        if blocks < self._blocks:
            self._digest, self._blocks = DIGEST_START, 0
        while self._blocks < blocks:
            self._digest = ((self._digest ^ fp_block(self._blocks)) * 0x100000001B3) & MASK
            self._blocks += 1
        self._known[blocks] = self._digest
        return self._digest


if __name__ == "__main__":
    print(hex(Digests().digest(1000)))  # 0xfad7a06147078c01 (tests/unit/guests/loadgen)
