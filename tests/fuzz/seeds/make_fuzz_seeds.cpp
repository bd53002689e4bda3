// Writes the fuzz targets' seed corpus into DIR/<target>/ (run by the build, see
// tests/fuzz/CMakeLists.txt): real inputs made by Godwit's own code rather than binaries
// kept in the tree. The migration seeds are a whole migration between MigrationSender
// and MigrationReceiver over the unit tests' fakes (tests/unit/migration/
// migration_fakes.h), with the key and nonce the fuzz targets use, recorded in both
// directions, raw and as the targets' framed triples; the boot information is laid out
// as GRUB does; the rest are typical command lines, packets and a minimal guest ELF.
// Usage: make_fuzz_seeds DIR
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "godwit/abi.h"
#include "kernel/vm/elf_image.h"
#include "migration/memory_digest.h"
#include "migration/migration_receiver.h"
#include "migration/migration_sender.h"
#include "migration/recovery.h"
#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"
#include "net/icmp_echo.h"
#include "tests/fuzz/migration/receiver_setup.h"
#include "tests/unit/migration/migration_fakes.h"
#include "tests/unit/migration/stream_builder.h"

using namespace godwit;
using namespace godwit::migration;
using Bytes = std::vector<uint8_t>;
namespace fakes = godwit::migration::testing;  // not ::testing or godwit::testing

namespace {

std::filesystem::path g_root;

void write_seed(const std::string& target, const std::string& name, const Bytes& bytes) {
  std::filesystem::create_directories(g_root / target);
  std::ofstream out(g_root / target / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write seed " + target + "/" + name);
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes concat(Bytes prefix, const Bytes& rest) {
  prefix.insert(prefix.end(), rest.begin(), rest.end());
  return prefix;
}

// A version-3 stream (its first record clear, every later one sealed in the
// integrity-only mode, so bodies are plain) as the migration targets' framed triples
// (type u32, length u16, body): every record of the seeds' streams is under 64 KiB.
Bytes as_triples(const Bytes& stream) {
  Bytes out;
  for (size_t at = 0; at + sizeof(RecordHeader) <= stream.size();) {
    bool sealed = at != 0;
    RecordHeader header;
    std::memcpy(&header, &stream[at], sizeof header);
    if (header.length > 0xffff) throw std::runtime_error("record too long for a framed seed");
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(header.type >> (8 * i)));
    out.push_back(static_cast<uint8_t>(header.length));
    out.push_back(static_cast<uint8_t>(header.length >> 8));
    const uint8_t* body = &stream[at + sizeof header];
    out.insert(out.end(), body, body + header.length);
    at += sizeof header + padded(header.length) + (sealed ? kRecordTagSize : 0);
  }
  return out;
}

// The records after a version-3 stream's HELLO, framed in clear with checksums: what the
// StreamDecoder target (the decoder without protection) reads.
Bytes plain_records(const Bytes& stream) {
  Bytes out;
  for (size_t at = 0; at + sizeof(RecordHeader) <= stream.size();) {
    bool sealed = at != 0;
    RecordHeader header;
    std::memcpy(&header, &stream[at], sizeof header);
    if (sealed) {
      Bytes record(record_size(header.length));
      record.resize(encode_record(record, static_cast<RecordType>(header.type),
                                  std::span<const uint8_t>(&stream[at + sizeof header], header.length)));
      out.insert(out.end(), record.begin(), record.end());
    }
    at += sizeof header + padded(header.length) + (sealed ? kRecordTagSize : 0);
  }
  return out;
}

// A source guest of the smallest size a destination accepts, mostly zero pages so the
// stream stays small (about 12 KiB): three pages hold data.
struct Migration {
  Bytes to_destination, to_source;
  bool succeeded = false;
};

Migration record_migration() {
  constexpr uint64_t kPages = abi::kMinMemory / kPageSize;
  fakes::FakeSource source(kPages);
  std::fill(source.memory.begin(), source.memory.end(), uint8_t{0});
  for (uint64_t gfn : {1u, 2u, 300u}) {
    for (size_t i = 0; i < kPageSize; ++i) source.memory[gfn * kPageSize + i] = static_cast<uint8_t>(gfn + i);
  }
  fakes::FakeClock clock;
  fakes::FakeChannel to_destination, to_source;
  fakes::FakeFactory factory;
  Bytes record_buffer(record_size(kMaxRecordBody));
  std::vector<uint64_t> send_set(PageBitmap::words_for(kPages));
  Bytes body_buffer(kMaxRecordBody);
  std::vector<uint64_t> coverage(PageBitmap::words_for(fuzz::kFuzzMaxGuestPages));
  std::vector<uint64_t> sent_terms(kPages), received_terms(fuzz::kFuzzMaxGuestPages);
  SenderConfig sender_config;
  sender_config.key = fuzz::kFuzzKey;
  sender_config.guest_name = "counter";
  sender_config.command_line = "rate=10";
  sender_config.backend_name = "AMD-V";
  sender_config.cpuid = fakes::make_cpuid();
  sender_config.batch_pages = 8;
  for (size_t i = 0; i < kNonceSize; ++i) sender_config.nonce[i] = static_cast<uint8_t>(0x80 + i);
  MigrationSender sender(sender_config, source, to_destination, clock, record_buffer, send_set, sent_terms);
  MigrationReceiver receiver(fuzz::fuzz_receiver_config(), factory, to_source, clock, body_buffer, coverage,
                             received_terms);

  Migration run;
  receiver.start();
  sender.start();
  for (int step = 0; step < 10000 && !sender.finished(); ++step) {
    to_destination.refill();
    to_source.refill();
    sender.pump();
    Bytes sent = to_destination.take();
    run.to_destination.insert(run.to_destination.end(), sent.begin(), sent.end());
    receiver.on_receive(sent);
    receiver.pump();
    Bytes replies = to_source.take();
    run.to_source.insert(run.to_source.end(), replies.begin(), replies.end());
    sender.on_receive(replies);
    clock.now += 1'000'000;
  }
  run.succeeded = sender.summary().outcome == MigrationOutcome::kSucceeded &&
                  receiver.outcome() == MigrationReceiver::Outcome::kRunning;
  if (!run.succeeded) throw std::runtime_error("the seed migration did not succeed");
  return run;
}

void migration_seeds() {
  Migration run = record_migration();
  // stream_decoder_fuzz: byte 0 = piece size and mode (bit 0: framed).
  Bytes plain = plain_records(run.to_destination);
  write_seed("stream_decoder", "real_stream", concat({0xfe}, plain));
  write_seed("stream_decoder", "real_stream_in_pieces", concat({0x20}, plain));
  Bytes triples = as_triples(run.to_destination);
  size_t hello_triple = 6 + sizeof(HelloRecord);
  write_seed("stream_decoder", "real_stream_framed",
             concat({0xff}, Bytes(triples.begin() + static_cast<long>(hello_triple), triples.end())));
  // migration_receiver_fuzz: mode, window, timing, stream.
  write_seed("migration_receiver", "real_stream", concat({0xfe, 0, 0}, run.to_destination));
  write_seed("migration_receiver", "real_stream_small_window", concat({0x40, 1, 1}, run.to_destination));
  write_seed("migration_receiver", "real_stream_framed",
             concat({0xff, 0, 0}, as_triples(run.to_destination)));

  // migration_sender_fuzz migrates a 16-page guest (its FakeSource) with its own nonce:
  // the destination's real CHALLENGE, then the VERIFIED and COMMITTED a destination would
  // send for that guest, sealed with that session's keys.
  Bytes challenge(run.to_source.begin(),
                  run.to_source.begin() + static_cast<long>(record_size(sizeof(ChallengeRecord))));
  fakes::FakeSource small(16);
  MemoryDigest digest(small.page_count());
  while (digest.step([&](uint64_t gfn) { return small.page(gfn); }, 64) == MemoryDigest::Step::kMore) {
  }
  ChallengeRecord challenge_body;
  std::memcpy(&challenge_body, challenge.data() + sizeof(RecordHeader), sizeof challenge_body);
  HelloRecord hello{kStreamMagic,
                    kStreamVersionMajor,
                    kStreamVersionMinor,
                    static_cast<uint8_t>(Protection::kIntegrityOnly),
                    0,
                    {},
                    {}};
  for (size_t i = 0; i < kNonceSize; ++i) hello.nonce[i] = static_cast<uint8_t>(i * 5 + 3);  // the target's
  Bytes handshake(sizeof challenge_body + sizeof hello);
  std::memcpy(handshake.data(), &challenge_body, sizeof challenge_body);
  std::memcpy(handshake.data() + sizeof challenge_body, &hello, sizeof hello);
  auto keys = derive_session_keys(fuzz::kFuzzKey, challenge_body.nonce, hello.nonce,
                                  Protection::kIntegrityOnly, handshake);
  if (!keys) throw std::runtime_error("no keys for the sender seeds");
  RecordSealer sealer(keys->destination_to_source, Protection::kIntegrityOnly);
  CommitRecord verdict{small.page_count(), digest.value()};
  Bytes verified(sealed_record_size(sizeof verdict)), committed(sealed_record_size(sizeof verdict));
  verified.resize(encode_sealed(verified, RecordType::kVerified, verdict, sealer));
  committed.resize(encode_sealed(committed, RecordType::kCommitted, verdict, sealer));
  Bytes replies = concat(concat(challenge, verified), committed);
  write_seed("migration_sender", "challenge_verified_committed", concat({0xfe, 0, 0, 15}, replies));
  write_seed("migration_sender", "challenge_verified_committed_framed",
             concat({0xff, 0, 0, 15}, as_triples(replies)));
  RecordSealer nack_sealer(keys->destination_to_source, Protection::kIntegrityOnly);
  NackRecord nack{static_cast<uint32_t>(StreamError::kDigestMismatch), 0, 7};
  Bytes nack_record(sealed_record_size(sizeof nack));
  nack_record.resize(encode_sealed(nack_record, RecordType::kNack, nack, nack_sealer));
  write_seed("migration_sender", "challenge_nack", concat({0xfe, 0, 0, 3}, concat(challenge, nack_record)));

  // Recovery: a guest of 5000 pages (two chunks), every third page never sent; the
  // destination lacks those and every seventh (lost in flight).
  {
    constexpr uint64_t kGuestPages = 5000;
    std::vector<uint64_t> words(PageBitmap::words_for(kGuestPages));
    PageBitmap present(words, kGuestPages);
    for (uint64_t gfn = 0; gfn < kGuestPages; ++gfn)
      if (gfn % 3 != 0 && gfn % 7 != 0) (void)present.mark(gfn);
    Bytes seed = {static_cast<uint8_t>((kGuestPages - 1) & 0xff),
                  static_cast<uint8_t>((kGuestPages - 1) >> 8), 1};
    RecoverRecord recover{};
    recover.pages = kGuestPages;
    seed = concat(seed, Bytes(reinterpret_cast<const uint8_t*>(&recover),
                              reinterpret_cast<const uint8_t*>(&recover) + sizeof recover));
    for (uint64_t first = 0; first < kGuestPages; first += kRecoverChunkPages) {
      RecoverMissingRecord chunk = fill_missing_chunk(present, first);
      seed = concat(seed, Bytes(reinterpret_cast<const uint8_t*>(&chunk),
                                reinterpret_cast<const uint8_t*>(&chunk) + sizeof chunk));
    }
    write_seed("recovery", "two_chunks", seed);
  }
}

// Boot information as GRUB lays it out for Godwit under QEMU (Multiboot2 3.6).
class InfoBuilder {
 public:
  InfoBuilder() { put(uint64_t{0}); }
  void tag(uint32_t type, const Bytes& body) {
    put(type);
    put(static_cast<uint32_t>(8 + body.size()));
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    while (bytes_.size() % 8 != 0) bytes_.push_back(0);
  }
  Bytes finish() {
    tag(0, {});
    uint32_t total = static_cast<uint32_t>(bytes_.size());
    std::memcpy(bytes_.data(), &total, 4);
    return bytes_;
  }

  template <class T>
  static void append(Bytes& out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(uint64_t{value} >> (8 * i)));
  }

 private:
  template <class T>
  void put(T value) {
    append(bytes_, value);
  }
  Bytes bytes_;
};

Bytes c_string(const std::string& s) {
  Bytes out = text(s);
  out.push_back(0);
  return out;
}

void multiboot2_seeds() {
  InfoBuilder info;
  info.tag(1, c_string("ip=10.0.0.1/24 node=a migrate_key=0123456789abcdef"));
  info.tag(2, c_string("GRUB 2.06-13+deb12u1"));
  for (auto [start, name] : {std::pair{0x1e1000u, "guest=counter mem=16M"}, {0x1f3000u, "guest=dirtier"}}) {
    Bytes module;
    InfoBuilder::append(module, start);
    InfoBuilder::append(module, start + 0x11000u);
    Bytes line = c_string(name);
    module.insert(module.end(), line.begin(), line.end());
    info.tag(3, module);
  }
  Bytes meminfo;
  InfoBuilder::append(meminfo, uint32_t{639});
  InfoBuilder::append(meminfo, uint32_t{522112});
  info.tag(4, meminfo);
  Bytes map;
  InfoBuilder::append(map, uint32_t{24});
  InfoBuilder::append(map, uint32_t{0});
  struct Region {
    uint64_t base, length;
    uint32_t type;
  };
  for (Region r :
       {Region{0, 0x9fc00, 1}, Region{0x9fc00, 0x400, 2}, Region{0xf0000, 0x10000, 2},
        Region{0x100000, 0x1fee0000, 1}, Region{0x1ffe0000, 0x20000, 2}, Region{0xfffc0000, 0x40000, 2}}) {
    InfoBuilder::append(map, r.base);
    InfoBuilder::append(map, r.length);
    InfoBuilder::append(map, r.type);
    InfoBuilder::append(map, uint32_t{0});
  }
  info.tag(6, map);
  write_seed("multiboot2", "qemu_grub", info.finish());
}

// The smallest image parse_elf accepts: one R+X PT_LOAD at abi::kImageBase, entry at
// its start; the last byte is the target's RAM-size selector.
void elf_seeds() {
  Elf64Header header{};
  const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', elf::kClass64, elf::kDataLittle, elf::kVersionCurrent};
  std::memcpy(header.ident, ident, sizeof ident);
  header.type = elf::kTypeExec;
  header.machine = elf::kMachineX86_64;
  header.version = elf::kVersionCurrent;
  header.entry = abi::kImageBase;
  header.phoff = sizeof header;
  header.ehsize = sizeof header;
  header.phentsize = sizeof(Elf64ProgramHeader);
  header.phnum = 1;
  const uint8_t code[] = {0xb8, 0x03, 0, 0, 0, 0x0f, 0x01, 0xd9, 0xeb, 0xfe};  // mov eax,3; vmmcall; jmp $
  Elf64ProgramHeader load{elf::kLoad,      elf::kFlagRead | elf::kFlagExecute,
                          0x1000,          abi::kImageBase,
                          abi::kImageBase, sizeof code,
                          0x2000,          0x1000};
  Bytes file(0x1000 + sizeof code, 0);
  std::memcpy(file.data(), &header, sizeof header);
  std::memcpy(file.data() + sizeof header, &load, sizeof load);
  std::memcpy(file.data() + 0x1000, code, sizeof code);
  file.push_back(1);
  write_seed("elf_image", "minimal", file);
}

void text_seeds() {
  int n = 0;
  for (const char* line :
       {"ip=10.0.0.1/24 node=a migrate_key=0123456789abcdef", "guest=counter mem=16M rate=10",
        "ip=10.0.0.2/24 gw=10.0.0.254 mac=52:54:00:00:00:02 quiet", "guest=dirtier wss=2M"})
    write_seed("command_line", "line" + std::to_string(n++), text(line));
  n = 0;
  for (const char* typed :
       {"help\r", "help migrate\r", "new counter mem=16M rate=10\r", "migrate 1 10.0.0.2 7070\r",
        "guests\r\nhalt 3\r", "ping 10.0.0.2/24 1K\r", "new\x7f\x7fw dirtier\x1b[A\r"})
    write_seed("shell", "typed" + std::to_string(n++), text(typed));
  n = 0;
  for (const char* word : {"16M", "0x1F", "18446744073709551615", "2g", "  new  counter \t mem=1k "})
    write_seed("parse", "text" + std::to_string(n++), text(word));
}

// An echo reply to id 0x1234 as a peer would send it: IPv4 header, ICMP type 0.
void icmp_seeds() {
  uint8_t request[net::icmp::kEchoSize];
  net::icmp::build_echo_request(std::span<uint8_t, net::icmp::kEchoSize>(request), 0x1234, 7);
  Bytes packet = {0x45, 0, 0, 20 + net::icmp::kEchoSize, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 2, 10,
                  0,    0, 1};
  uint16_t ip_sum = net::icmp::internet_checksum(packet);
  packet[10] = static_cast<uint8_t>(ip_sum >> 8);
  packet[11] = static_cast<uint8_t>(ip_sum);
  request[0] = 0;  // echo reply
  request[2] = request[3] = 0;
  uint16_t sum = net::icmp::internet_checksum(request);
  request[2] = static_cast<uint8_t>(sum >> 8);
  request[3] = static_cast<uint8_t>(sum);
  packet.insert(packet.end(), request, request + sizeof request);
  write_seed("icmp_echo", "reply", concat({0x34, 0x12}, packet));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  g_root = argv[1];
  migration_seeds();
  multiboot2_seeds();
  elf_seeds();
  text_seeds();
  icmp_seeds();
  // Targets whose input is a script of device and driver steps start from nothing.
  for (const char* target : {"hypercall_decode", "split_virtqueue", "descriptor_rings"})
    std::filesystem::create_directories(g_root / target);
  return 0;
}
