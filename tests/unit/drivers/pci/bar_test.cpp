#include "drivers/pci/bar.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/pci/fake_config_space.h"

namespace godwit::pci {
namespace {

using testing::FakeConfigSpace;

constexpr PciAddress kAt{0, 3, 0};

TEST(Bar, DecodesIoAnd32BitMemoryAndRestoresThem) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x8086, 0x100e);
  FakeConfigSpace::set_bar(f, 0, 0xfebc0000, 0x20000);  // memory, 128 KiB
  FakeConfigSpace::set_bar(f, 1, 0xc001, 0x40);         // I/O, 64 ports
  FakeConfigSpace::put16(f, reg::kCommand, 0x0007);

  auto mem = read_bar(config, kAt, 0);
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->kind, Bar::Kind::kMemory32);
  EXPECT_EQ(mem->base, 0xfebc0000u);
  EXPECT_EQ(mem->size, 0x20000u);
  EXPECT_FALSE(mem->prefetchable);

  auto io = read_bar(config, kAt, 1);
  ASSERT_TRUE(io);
  EXPECT_EQ(io->kind, Bar::Kind::kIo);
  EXPECT_EQ(io->base, 0xc000u);
  EXPECT_EQ(io->size, 0x40u);

  EXPECT_EQ(config.read32(kAt, 0x10), 0xfebc0000u) << "BAR restored after probing";
  EXPECT_EQ(config.read32(kAt, 0x14), 0xc001u);
  EXPECT_EQ(config.read16(kAt, reg::kCommand), 0x0007u) << "command restored";
  EXPECT_GE(f.command_writes, 2) << "decoding was turned off while probing";
}

TEST(Bar, Decodes64BitPrefetchableMemoryAndSkipsItsUpperHalf) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x1af4, 0x1041);
  FakeConfigSpace::set_bar64(f, 4, 0x0000'0008'fe00'0000ull, 0x4000, true);
  Bar bars[kBarCount];
  ASSERT_TRUE(read_bars(config, kAt, bars));
  EXPECT_EQ(bars[4].kind, Bar::Kind::kMemory64);
  EXPECT_TRUE(bars[4].prefetchable);
  EXPECT_EQ(bars[4].base, 0x8fe000000ull);
  EXPECT_EQ(bars[4].size, 0x4000u);
  EXPECT_EQ(bars[5].kind, Bar::Kind::kUnused);
  EXPECT_EQ(bars[0].kind, Bar::Kind::kUnused);
  EXPECT_EQ(config.read32(kAt, 0x24), 0x8u);
}

TEST(Bar, LargeSixtyFourBitBarTakesItsSizeFromTheUpperHalf) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x1234, 0x5678);
  FakeConfigSpace::set_bar64(f, 0, 0x0000'0010'0000'0000ull, 8ull << 30, false);
  auto bar = read_bar(config, kAt, 0);
  ASSERT_TRUE(bar);
  EXPECT_EQ(bar->size, 8ull << 30);
}

TEST(Bar, RejectsMalformedBars) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x1234, 0x5678);
  FakeConfigSpace::set_bar(f, 5, 0xfe000004, 0x1000);  // 64-bit type in the last slot
  FakeConfigSpace::set_bar(f, 2, 0xfe000006, 0x1000);  // reserved memory type
  EXPECT_EQ(read_bar(config, kAt, 5).error(), Error::kMalformed);
  EXPECT_EQ(read_bar(config, kAt, 2).error(), Error::kMalformed);
  EXPECT_EQ(read_bar(config, kAt, 6).error(), Error::kInvalidArgument);
  auto unused = read_bar(config, kAt, 0);
  ASSERT_TRUE(unused);
  EXPECT_EQ(unused->kind, Bar::Kind::kUnused);
}

}  // namespace
}  // namespace godwit::pci
