// How the parameterized paging tests name their two formats: "Ept" or "Npt" in the test
// name (the name generator) and in failure messages (PrintTo, found by GoogleTest).
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "arch/x86/paging/second_level_entry.h"

namespace godwit::x86 {

inline std::string paging_format_name(PagingFormat format) {
  return format == PagingFormat::kEpt ? "Ept" : "Npt";
}

inline void PrintTo(PagingFormat format, std::ostream* out) { *out << paging_format_name(format); }

// The fourth argument of INSTANTIATE_TEST_SUITE_P.
inline std::string paging_format_test_name(const ::testing::TestParamInfo<PagingFormat>& info) {
  return paging_format_name(info.param);
}

}  // namespace godwit::x86
