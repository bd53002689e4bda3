// What this CPU offers for running guests, in words. The boot log, the boot event and
// the shell's `info` describe VT-x and AMD-V only through these functions, so nothing
// above arch/ names either backend (select_backend() is the one place that picks one).
// Pure code over the detected CpuFeatures, unit-tested on the host.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "arch/x86/cpu/features.h"
#include "lib/format.h"

namespace godwit::x86 {

// True when at least one backend can run guests on this CPU.
bool virtualization_usable(const CpuFeatures& cpu);

// One line for the boot log: the usable backends and their notable extras, or why
// neither can run ("no usable virtualization: VT-x: ...; AMD-V: ...").
void summarize_virtualization(Sink& out, const CpuFeatures& cpu);

// The `info` lines, one per backend ("  VT-x:     usable: EPT yes, ..."), each ending
// in a newline; an unusable backend's line says why.
void describe_virtualization(Sink& out, const CpuFeatures& cpu);

// Fills `names` with the short names of the usable features ("vmx", "ept", "pml",
// "svm", "npt"), for the boot event; returns how many it wrote.
size_t virtualization_feature_names(const CpuFeatures& cpu, std::span<std::string_view> names);

}  // namespace godwit::x86
