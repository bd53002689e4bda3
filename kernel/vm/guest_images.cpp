#include "kernel/vm/guest_images.h"

#include "kernel/boot/command_line.h"
#include "kernel/console/log.h"
#include "kernel/vm/guests.h"
#include "lib/parse.h"

namespace godwit::vm {

namespace {

struct BootGuest {
  const GuestImage* image = nullptr;
  std::string_view command_line;  // the module's whole command line
};

GuestImage image_table[multiboot2::BootInfo::kMaxModules];
size_t image_count = 0;
BootGuest boot_guests[multiboot2::BootInfo::kMaxModules];
size_t boot_guest_count = 0;

// The module's words after its first one ("guest=counter"), as shell-style words.
size_t split_words(std::string_view line, std::string_view* words, size_t capacity) {
  size_t count = 0;
  for (std::string_view word = next_word(line); !word.empty() && count < capacity; word = next_word(line)) {
    words[count++] = word;
  }
  return count;
}

}  // namespace

Status parse_guest_arguments(std::span<const std::string_view> words, GuestArguments& out) {
  out.memory_bytes = kDefaultMemory;
  out.command_line.clear();
  bool first = true;
  for (std::string_view word : words) {
    if (word.substr(0, 4) == "mem=") {
      auto size = parse_size(word.substr(4));
      if (!size) return fail(Error::kInvalidArgument);
      out.memory_bytes = *size;
      continue;
    }
    format(out.command_line, "{}{}", first ? "" : " ", word);
    first = false;
  }
  if (out.command_line.view().size() >= 255) return fail(Error::kRange);
  return ok();
}

void register_modules(const multiboot2::BootInfo& boot) {
  for (const multiboot2::Module& module : boot.module_list()) {
    auto line = CommandLine::parse(module.command_line);
    std::optional<std::string_view> name;
    bool autostart = false;
    if (line) {
      name = line->get("image");
      if (auto guest = line->get("guest")) {
        name = guest;
        autostart = true;
      }
    }
    if (!name || name->empty()) {
      log::warn("module '{}' ignored: it needs image=NAME or guest=NAME", module.command_line);
      continue;
    }
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(module.start), module.end - module.start);
    const GuestImage* image = find_image(*name);
    if (image == nullptr) {
      image_table[image_count] = {*name, bytes};
      image = &image_table[image_count++];
    }
    if (autostart) boot_guests[boot_guest_count++] = {image, module.command_line};
  }
}

const GuestImage* find_image(std::string_view name) {
  for (size_t i = 0; i < image_count; ++i) {
    if (image_table[i].name == name) return &image_table[i];
  }
  return nullptr;
}

std::span<const GuestImage> images() { return {image_table, image_count}; }

void start_boot_guests() {
  for (size_t i = 0; i < boot_guest_count; ++i) {
    std::string_view words[CommandLine::kMaxEntries];
    size_t count = split_words(boot_guests[i].command_line, words, CommandLine::kMaxEntries);
    GuestArguments arguments;
    // Skip the first word (guest=NAME); image= is not passed on either.
    std::span<const std::string_view> rest(words + (count > 0 ? 1 : 0), count > 0 ? count - 1 : 0);
    if (!parse_guest_arguments(rest, arguments)) {
      log::error("boot guest '{}': bad arguments '{}'", boot_guests[i].image->name,
                 boot_guests[i].command_line);
      continue;
    }
    GuestSpec spec{boot_guests[i].image->name, boot_guests[i].image->bytes, arguments.memory_bytes,
                   arguments.command_line.view()};
    if (auto vm = create_guest(spec); !vm) {
      log::error("boot guest '{}' not started: {}", spec.name, vm.error());
    }
  }
}

}  // namespace godwit::vm
