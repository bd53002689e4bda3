// ChaCha20 and ChaCha20-Poly1305 against the test vectors of RFC 8439 (sections 2.3.2,
// 2.4.2, 2.6.2, 2.8.2 and appendix A.1, A.2, A.4). BearSSL exposes Poly1305 only inside
// the AEAD, so the raw Poly1305 vectors (2.5.2, A.3) have no entry point here; the tag
// of 2.8.2 is Poly1305's output, and AeadTagIsThePoly1305StepOfTheAead checks the
// integrity-only MAC against it.
#include "migration/chacha20_poly1305.h"

#include <gtest/gtest.h>

#include "tests/unit/migration/hex_bytes.h"

namespace godwit::migration {
namespace {

using testing::fixed_from_hex;
using testing::from_hex;
using testing::text_bytes;
using testing::to_hex;

const ChachaKey kKey00To1f =
    fixed_from_hex<ChachaKey>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const char kSunscreen[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
    "would "
    "be it.";

// RFC 8439 section 2.8.2.
const ChachaKey kAeadKey =
    fixed_from_hex<ChachaKey>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const ChachaNonce kAeadNonce = fixed_from_hex<ChachaNonce>("070000004041424344454647");
const std::vector<uint8_t> kAeadAad = from_hex("50515253c0c1c2c3c4c5c6c7");
const char kAeadCiphertext[] =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a"
    "9e060b"
    "2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d2"
    "6586ce"
    "c64b6116";
const Poly1305Tag kAeadTag = fixed_from_hex<Poly1305Tag>("1ae10b594f09e26a7e902ecbd0600691");

TEST(ChaCha20, BlockFunctionSection232) {
  std::vector<uint8_t> block(64, 0);
  uint32_t next = chacha20_xor(kKey00To1f, fixed_from_hex<ChachaNonce>("000000090000004a00000000"), 1, block);
  EXPECT_EQ(next, 2u);
  EXPECT_EQ(to_hex(block),
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2"
            "b5129cd1de"
            "164eb9cbd083e8a2503c4e");
}

TEST(ChaCha20, EncryptionSection242) {
  std::vector<uint8_t> data = text_bytes(kSunscreen);
  ASSERT_EQ(data.size(), 114u);
  chacha20_xor(kKey00To1f, fixed_from_hex<ChachaNonce>("000000000000004a00000000"), 1, data);
  EXPECT_EQ(to_hex(data),
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357"
            "1639d624"
            "e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf"
            "74a35be6"
            "b40b8eedf2785e42874d");
}

TEST(ChaCha20, AppendixA1ZeroKeyAndA4KeyGeneration) {
  std::vector<uint8_t> block(64, 0);
  chacha20_xor(ChachaKey{}, ChachaNonce{}, 0, block);
  EXPECT_EQ(to_hex(block),
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a37"
            "6a43b8f4"
            "1518a11cc387b669b2ee6586");
}

TEST(ChaCha20, AppendixA2Vector3CounterFortyTwoInPieces) {
  const ChachaKey key =
      fixed_from_hex<ChachaKey>("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
  const ChachaNonce nonce = fixed_from_hex<ChachaNonce>("000000000000000000000002");
  std::vector<uint8_t> data = text_bytes(
      "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the "
      "borogoves,\nAnd "
      "the mome raths outgrabe.");
  // Whole 64-byte blocks first, then the rest: the counter carries over.
  uint32_t next = chacha20_xor(key, nonce, 42, std::span(data).first(64));
  EXPECT_EQ(next, 43u);
  chacha20_xor(key, nonce, next, std::span(data).subspan(64));
  EXPECT_EQ(to_hex(data),
            "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871"
            "fd84c54f"
            "9d65b283196c7fe4f60553ebf39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f7704c6a8d1"
            "bcd1bf4d"
            "50d6154b6da731b187b58dfd728afa36757a797ac188d1");
}

TEST(Poly1305, KeyGenerationSection262) {
  std::vector<uint8_t> one_time_key(32, 0);
  chacha20_xor(kAeadKey, fixed_from_hex<ChachaNonce>("000000000001020304050607"), 0, one_time_key);
  EXPECT_EQ(to_hex(one_time_key), "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646");
}

TEST(ChaCha20Poly1305, SealSection282) {
  std::vector<uint8_t> data = text_bytes(kSunscreen);
  Poly1305Tag tag = aead_seal(kAeadKey, kAeadNonce, kAeadAad, data);
  EXPECT_EQ(to_hex(data), kAeadCiphertext);
  EXPECT_EQ(to_hex(tag.bytes, sizeof(tag.bytes)), "1ae10b594f09e26a7e902ecbd0600691");
}

TEST(ChaCha20Poly1305, OpenSection282) {
  std::vector<uint8_t> data = from_hex(kAeadCiphertext);
  ASSERT_TRUE(aead_open(kAeadKey, kAeadNonce, kAeadAad, data, kAeadTag));
  EXPECT_EQ(data, text_bytes(kSunscreen));
}

TEST(ChaCha20Poly1305, AeadTagIsThePoly1305StepOfTheAead) {
  // The integrity-only MAC over (aad, ciphertext) is exactly the AEAD's tag.
  std::vector<uint8_t> ciphertext = from_hex(kAeadCiphertext);
  Poly1305Tag tag = aead_tag(kAeadKey, kAeadNonce, kAeadAad, ciphertext);
  EXPECT_TRUE(tag_equal(tag, kAeadTag));
  EXPECT_EQ(to_hex(ciphertext), kAeadCiphertext);  // and it leaves the data alone
}

// Both Poly1305s a node may select at boot (select_poly1305) give the RFC's tags, and the
// same tag for a page-sized record, so two nodes that chose differently still agree.
TEST(ChaCha20Poly1305, BothPoly1305sGiveTheSameTags) {
  std::vector<uint8_t> page(4096);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7 + 3);
  Poly1305Tag page_tags[2];
  for (size_t i = 0; i < 2; ++i) {
    select_poly1305(kPoly1305Impls[i]);
    EXPECT_EQ(selected_poly1305(), kPoly1305Impls[i]);
    std::vector<uint8_t> data = text_bytes(kSunscreen);
    Poly1305Tag tag = aead_seal(kAeadKey, kAeadNonce, kAeadAad, data);
    EXPECT_EQ(to_hex(tag.bytes, sizeof(tag.bytes)), "1ae10b594f09e26a7e902ecbd0600691")
        << name(kPoly1305Impls[i]);
    EXPECT_TRUE(aead_open(kAeadKey, kAeadNonce, kAeadAad, data, tag)) << name(kPoly1305Impls[i]);
    page_tags[i] = aead_tag(kAeadKey, kAeadNonce, {}, page);
  }
  select_poly1305(Poly1305Impl::kCtmul);
  EXPECT_TRUE(tag_equal(page_tags[0], page_tags[1]));
  EXPECT_STREQ(name(Poly1305Impl::kCtmulq), "ctmulq");
}

TEST(ChaCha20Poly1305, OpenRejectsEveryChangeAndLeavesTheBytes) {
  const std::vector<uint8_t> ciphertext = from_hex(kAeadCiphertext);
  for (size_t bit = 0; bit < ciphertext.size() * 8; bit += 7) {
    std::vector<uint8_t> data = ciphertext;
    data[bit / 8] = static_cast<uint8_t>(data[bit / 8] ^ (1u << (bit % 8)));
    std::vector<uint8_t> before = data;
    EXPECT_FALSE(aead_open(kAeadKey, kAeadNonce, kAeadAad, data, kAeadTag)) << "bit " << bit;
    EXPECT_EQ(data, before);
  }
  std::vector<uint8_t> aad = kAeadAad;
  aad[0] ^= 1;
  std::vector<uint8_t> data = ciphertext;
  EXPECT_FALSE(aead_open(kAeadKey, kAeadNonce, aad, data, kAeadTag));
  Poly1305Tag tag = kAeadTag;
  tag.bytes[15] ^= 0x80;
  EXPECT_FALSE(aead_open(kAeadKey, kAeadNonce, kAeadAad, data, tag));
  ChachaNonce nonce = kAeadNonce;
  nonce.bytes[11] ^= 1;
  EXPECT_FALSE(aead_open(kAeadKey, nonce, kAeadAad, data, kAeadTag));
  // A shorter ciphertext (its last byte dropped) is another message.
  std::vector<uint8_t> shorter(ciphertext.begin(), ciphertext.end() - 1);
  EXPECT_FALSE(aead_open(kAeadKey, kAeadNonce, kAeadAad, shorter, kAeadTag));
}

TEST(ChaCha20Poly1305, EmptyMessageAndEmptyAad) {
  std::vector<uint8_t> nothing;
  Poly1305Tag sealed = aead_seal(kAeadKey, kAeadNonce, {}, nothing);
  EXPECT_TRUE(tag_equal(sealed, aead_tag(kAeadKey, kAeadNonce, {}, nothing)));
  EXPECT_TRUE(aead_open(kAeadKey, kAeadNonce, {}, nothing, sealed));
  EXPECT_FALSE(tag_equal(sealed, aead_tag(kAeadKey, kAeadNonce, kAeadAad, nothing)));
}

}  // namespace
}  // namespace godwit::migration
