// Every permission reduction is followed by a flush on the vCPU's next entry, and no
// flush happens when nothing was reduced. QEMU flushes on every world switch, so this is
// the only place a missing flush shows.
#include "arch/x86/svm/tlb_flush.h"

#include <gtest/gtest.h>

#include "arch/x86/svm/exit_code.h"
#include "tests/unit/fakes/fake_table_memory.h"

namespace godwit::x86::svm {
namespace {

constexpr uint8_t kNone = 0, kAll = 1, kAsid = 3;
constexpr uint64_t kPages = 16;
constexpr Permissions kReadExecute = kAccessRead | kAccessExecute;

class TlbFlushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(space.init());
    for (uint64_t gpa = 0; gpa < kPages * 4096; gpa += 4096) {
      ASSERT_TRUE(space.map(gpa, 0x100'0000 + gpa, kAccessAll));
    }
  }
  // One VMRUN: the TLB_CONTROL value it was entered with.
  uint8_t enter(AsidTlbTracker& vcpu, uint64_t exit = 0x81) {
    vcpu.before_entry(control);
    uint8_t used = control.tlb_control;
    control.exit_code = exit;
    vcpu.after_entry(control);
    EXPECT_EQ(control.tlb_control, kNone) << "TLB_CONTROL must be cleared after VMRUN";
    return used;
  }

  godwit::testing::FakeTableMemory memory;
  NptFlushEpoch epoch;
  SecondLevelSpace space{PagingFormat::kNpt, memory, epoch};
  VmcbControl control{};
};

TEST_F(TlbFlushTest, ANewVcpuFlushesItsAsidOnceThenNeverWithoutReason) {
  AsidTlbTracker vcpu(epoch, true);
  EXPECT_EQ(enter(vcpu), kAsid);  // the ASID may tag a previous owner's entries
  EXPECT_EQ(enter(vcpu), kNone);
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, WriteProtectFlushesOnTheNextEntryOnly) {
  AsidTlbTracker vcpu(epoch, true);
  enter(vcpu);
  ASSERT_TRUE(space.protect(0, kPages * 4096, kReadExecute));
  EXPECT_EQ(enter(vcpu), kAsid);
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, UnmapFlushes) {
  AsidTlbTracker vcpu(epoch, true);
  enter(vcpu);
  ASSERT_TRUE(space.unmap(3 * 4096));
  EXPECT_EQ(enter(vcpu), kAsid);
}

TEST_F(TlbFlushTest, GrantingPermissionsDoesNotFlush) {
  AsidTlbTracker vcpu(epoch, true);
  ASSERT_TRUE(space.protect(0, kPages * 4096, kReadExecute));
  enter(vcpu);
  ASSERT_TRUE(space.protect(0, 4096, kAccessAll));  // a dirty-log fault re-enables write
  ASSERT_TRUE(space.map(kPages * 4096, 0x200'0000, kAccessAll));
  ASSERT_TRUE(space.protect(0, kPages * 4096, kReadExecute | kAccessWrite));
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, ProtectingAlreadyProtectedPagesDoesNotFlush) {
  AsidTlbTracker vcpu(epoch, true);
  ASSERT_TRUE(space.protect(0, kPages * 4096, kReadExecute));
  enter(vcpu);
  ASSERT_TRUE(space.protect(0, kPages * 4096, kReadExecute));
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, SeveralReductionsBetweenEntriesNeedOneFlush) {
  AsidTlbTracker vcpu(epoch, true);
  enter(vcpu);
  ASSERT_TRUE(space.protect(0, 4096, kReadExecute));
  ASSERT_TRUE(space.unmap(4096));
  ASSERT_TRUE(space.protect(2 * 4096, 4096, kReadExecute));
  EXPECT_EQ(enter(vcpu), kAsid);
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, WithoutFlushByAsidTheWholeTlbIsFlushed) {
  AsidTlbTracker vcpu(epoch, false);
  EXPECT_EQ(enter(vcpu), kAll);
  EXPECT_EQ(enter(vcpu), kNone);
  ASSERT_TRUE(space.protect(0, 4096, kReadExecute));
  EXPECT_EQ(enter(vcpu), kAll);
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, ARefusedVmrunKeepsTheFlushOwed) {
  AsidTlbTracker vcpu(epoch, true);
  enter(vcpu);
  ASSERT_TRUE(space.protect(0, 4096, kReadExecute));
  EXPECT_EQ(enter(vcpu, 0xFFFF'FFFF'FFFF'FFFFull), kAsid);
  EXPECT_EQ(enter(vcpu), kAsid);
  EXPECT_EQ(enter(vcpu), kNone);
}

TEST_F(TlbFlushTest, EveryVcpuOfTheSpaceFlushes) {
  AsidTlbTracker first(epoch, true), second(epoch, true);
  enter(first);
  enter(second);
  ASSERT_TRUE(space.protect(0, 4096, kReadExecute));
  EXPECT_EQ(enter(first), kAsid);
  EXPECT_EQ(enter(second), kAsid);
  EXPECT_EQ(enter(first), kNone);
}

}  // namespace
}  // namespace godwit::x86::svm
