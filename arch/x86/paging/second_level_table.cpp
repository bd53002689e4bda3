#include "arch/x86/paging/second_level_table.h"

namespace godwit::x86 {

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kLevels = 4;  // PML4, PDPT, PD, PT (or the EPT names for the same)

constexpr unsigned index_at(uint64_t gpa, int level) {
  // level 3 = root (bits 47:39) ... level 0 = leaf table (bits 20:12).
  return static_cast<unsigned>((gpa >> (12 + 9 * level)) & 511);
}

}  // namespace

Status SecondLevelTable::init() {
  auto table = memory_.allocate_table();
  if (!table) return table.failure();
  root_ = *table;
  return ok();
}

void SecondLevelTable::free_level(uint64_t table, int level) {
  if (level > 0) {
    uint64_t* entries = memory_.entries(table);
    for (unsigned i = 0; i < 512; ++i) {
      if (second_level::present(format_, entries[i])) {
        free_level(second_level::address(entries[i]), level - 1);
      }
    }
  }
  memory_.free_table(table);
}

void SecondLevelTable::destroy() {
  if (root_ != 0) free_level(root_, kLevels - 1);
  root_ = 0;
}

Expected<uint64_t> SecondLevelTable::leaf_table(uint64_t gpa, bool create) const {
  uint64_t table = root_;
  for (int level = kLevels - 1; level > 0; --level) {
    uint64_t& entry = memory_.entries(table)[index_at(gpa, level)];
    if (!second_level::present(format_, entry)) {
      if (!create) return 0;
      auto next = memory_.allocate_table();
      if (!next) return next.failure();
      entry = second_level::table_entry(format_, *next);
    }
    table = second_level::address(entry);
  }
  return table;
}

Status SecondLevelTable::map(uint64_t gpa, uint64_t frame, Permissions permissions) {
  if (gpa % kPage != 0 || frame % kPage != 0 || gpa >= kAddressLimit) return fail(Error::kRange);
  if ((permissions & kAccessRead) == 0) return fail(Error::kInvalidArgument);
  auto table = leaf_table(gpa, true);
  if (!table) return table.failure();
  uint64_t& entry = memory_.entries(*table)[index_at(gpa, 0)];
  if (second_level::present(format_, entry)) return fail(Error::kExists);
  entry = second_level::leaf_entry(format_, frame, permissions);
  return ok();
}

Status SecondLevelTable::unmap(uint64_t gpa) {
  if (gpa >= kAddressLimit) return fail(Error::kRange);
  auto table = leaf_table(gpa, false);
  if (!table) return table.failure();
  if (*table == 0) return fail(Error::kNotFound);
  uint64_t& entry = memory_.entries(*table)[index_at(gpa, 0)];
  if (!second_level::present(format_, entry)) return fail(Error::kNotFound);
  entry = 0;
  return ok();
}

Expected<Translation> SecondLevelTable::lookup(uint64_t gpa) const {
  if (gpa >= kAddressLimit) return fail(Error::kRange);
  auto table = leaf_table(gpa, false);
  if (!table) return table.failure();
  if (*table == 0) return fail(Error::kNotFound);
  uint64_t entry = memory_.entries(*table)[index_at(gpa, 0)];
  if (!second_level::present(format_, entry)) return fail(Error::kNotFound);
  return Translation{second_level::address(entry), second_level::permissions(format_, entry),
                     (entry & second_level::dirty_flag(format_)) != 0};
}

template <class Visit>
Expected<uint64_t> SecondLevelTable::for_each_leaf(uint64_t gpa, uint64_t bytes, Visit visit) {
  if (gpa % kPage != 0 || gpa > kAddressLimit || bytes > kAddressLimit - gpa) return fail(Error::kRange);
  uint64_t counted = 0;
  uint64_t end = gpa + bytes;
  // One walk per leaf table (512 pages), not per page: write-protecting or cleaning a
  // whole guest at the start of every migration round is on the migration's critical
  // path.
  for (uint64_t at = gpa; at < end;) {
    uint64_t table_end = (at | (512 * kPage - 1)) + 1;
    auto table = leaf_table(at, false);
    if (!table) return table.failure();
    if (*table != 0) {
      uint64_t* entries = memory_.entries(*table);
      for (uint64_t page = at; page < end && page < table_end; page += kPage) {
        uint64_t& entry = entries[index_at(page, 0)];
        if (second_level::present(format_, entry) && visit(entry)) ++counted;
      }
    }
    at = table_end;
  }
  return counted;
}

Expected<uint64_t> SecondLevelTable::protect(uint64_t gpa, uint64_t bytes, Permissions permissions) {
  if ((permissions & kAccessRead) == 0) return fail(Error::kInvalidArgument);
  return for_each_leaf(gpa, bytes, [&](uint64_t& entry) {
    Permissions before = second_level::permissions(format_, entry);
    // Keeps the dirty flag: a page made read-only and back stays as dirty as it was.
    uint64_t dirty = entry & second_level::dirty_flag(format_);
    entry = second_level::leaf_entry(format_, second_level::address(entry), permissions) | dirty;
    return (before & ~second_level::permissions(format_, entry)) != 0;
  });
}

Expected<uint64_t> SecondLevelTable::unmap_range(uint64_t gpa, uint64_t bytes) {
  return for_each_leaf(gpa, bytes, [](uint64_t& entry) {
    entry = 0;
    return true;
  });
}

Expected<uint64_t> SecondLevelTable::clean(uint64_t gpa, uint64_t bytes) {
  uint64_t flag = second_level::dirty_flag(format_);
  return for_each_leaf(gpa, bytes, [flag](uint64_t& entry) {
    if ((entry & flag) == 0) return false;
    entry &= ~flag;
    return true;
  });
}

}  // namespace godwit::x86
