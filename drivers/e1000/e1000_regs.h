// 82540EM registers and bits Godwit uses (Intel PCI/PCI-X Family of Gigabit Ethernet
// Controllers Software Developer's Manual, 8254x, ch. 13). Offsets into BAR0 (MMIO).
#pragma once

#include <cstdint>

namespace godwit::e1000 {

namespace reg {
inline constexpr uint32_t kCtrl = 0x0000;    // 13.4.1
inline constexpr uint32_t kStatus = 0x0008;  // 13.4.2
inline constexpr uint32_t kEerd = 0x0014;    // 13.4.4
inline constexpr uint32_t kIcr = 0x00c0;     // 13.4.17
inline constexpr uint32_t kImc = 0x00d8;     // 13.4.21
inline constexpr uint32_t kRctl = 0x0100;    // 13.4.22
inline constexpr uint32_t kTctl = 0x0400;    // 13.4.33
inline constexpr uint32_t kTipg = 0x0410;    // 13.4.34
inline constexpr uint32_t kRdbal = 0x2800;   // 13.4.25..29
inline constexpr uint32_t kRdbah = 0x2804;
inline constexpr uint32_t kRdlen = 0x2808;
inline constexpr uint32_t kRdh = 0x2810;
inline constexpr uint32_t kRdt = 0x2818;
inline constexpr uint32_t kTdbal = 0x3800;  // 13.4.38..42
inline constexpr uint32_t kTdbah = 0x3804;
inline constexpr uint32_t kTdlen = 0x3808;
inline constexpr uint32_t kTdh = 0x3810;
inline constexpr uint32_t kTdt = 0x3818;
inline constexpr uint32_t kMpc = 0x4010;   // 13.7: missed packets (no receive buffer), clear on read
inline constexpr uint32_t kMta = 0x5200;   // 13.5.1: 128 entries
inline constexpr uint32_t kRal0 = 0x5400;  // 13.5.2
inline constexpr uint32_t kRah0 = 0x5404;
}  // namespace reg

inline constexpr unsigned kMtaEntries = 128;

namespace ctrl {
inline constexpr uint32_t kLinkReset = 1u << 3;
inline constexpr uint32_t kAutoSpeed = 1u << 5;
inline constexpr uint32_t kSetLinkUp = 1u << 6;
inline constexpr uint32_t kInvertLoss = 1u << 7;
inline constexpr uint32_t kReset = 1u << 26;
inline constexpr uint32_t kVlanMode = 1u << 30;
inline constexpr uint32_t kPhyReset = 1u << 31;
}  // namespace ctrl

inline constexpr uint32_t kStatusLinkUp = 1u << 1;

namespace eerd {
inline constexpr uint32_t kStart = 1u << 0;
inline constexpr uint32_t kDone = 1u << 4;
inline constexpr unsigned kAddressShift = 8;
inline constexpr unsigned kDataShift = 16;
}  // namespace eerd

namespace rctl {
inline constexpr uint32_t kEnable = 1u << 1;
inline constexpr uint32_t kUnicastPromiscuous = 1u << 3;  // UPE
inline constexpr uint32_t kBroadcastAccept = 1u << 15;
inline constexpr uint32_t kBufferSize2048 = 0;  // BSIZE 00 with BSEX 0
inline constexpr uint32_t kStripCrc = 1u << 26;
}  // namespace rctl

namespace tctl {
inline constexpr uint32_t kEnable = 1u << 1;
inline constexpr uint32_t kPadShort = 1u << 3;
inline constexpr uint32_t kCollisionThreshold = 0x10u << 4;  // 14.5: recommended 0x0F..0x10
inline constexpr uint32_t kCollisionDistance = 0x40u << 12;  // 14.5: full duplex
}  // namespace tctl

// 13.4.34: IPGT 10, IPGR1 8, IPGR2 6 for the 82540EM's copper interface.
inline constexpr uint32_t kTipgCopper = 10u | (8u << 10) | (6u << 20);

inline constexpr uint32_t kRahAddressValid = 1u << 31;

}  // namespace godwit::e1000
