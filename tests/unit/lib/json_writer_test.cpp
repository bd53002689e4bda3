#include "lib/json_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

TEST(JsonWriter, FlatObject) {
  FixedString<256> out;
  JsonWriter json(out.sink());
  json.field("event", "boot").field("mem_mib", 256).field("ok", true).field("delta", -3);
  json.end();
  EXPECT_EQ(out.view(), R"({"event":"boot","mem_mib":256,"ok":true,"delta":-3})");
}

TEST(JsonWriter, NestedArraysAndObjects) {
  FixedString<256> out;
  JsonWriter json(out.sink());
  json.begin_array("features").value("vmx").value("ept").end_array();
  json.begin_object("round").field("n", 1).begin_array("empty").end_array().end_object();
  json.begin_array("numbers").value(int64_t{-1}).value(int64_t{2}).end_array();
  json.end();
  EXPECT_EQ(out.view(), R"({"features":["vmx","ept"],"round":{"n":1,"empty":[]},"numbers":[-1,2]})");
}

TEST(JsonWriter, EscapesStrings) {
  FixedString<256> out;
  JsonWriter json(out.sink());
  json.field("s", std::string_view("a\"b\\c\nd\x01\x7f", 9));
  json.end();
  EXPECT_EQ(out.view(), R"({"s":"a\"b\\c\nd\u0001\u007f"})");
}

TEST(JsonWriter, FixedPointNumbers) {
  FixedString<256> out;
  JsonWriter json(out.sink());
  json.fixed("a", 12345, 3).fixed("b", 5, 2).fixed("c", -1500, 3).fixed("d", 7, 0);
  json.end();
  EXPECT_EQ(out.view(), R"({"a":12.345,"b":0.05,"c":-1.500,"d":7})");
}

TEST(JsonWriter, EndClosesEverythingLeftOpen) {
  FixedString<64> out;
  JsonWriter json(out.sink());
  json.begin_object("a").begin_array("b");
  json.end();
  EXPECT_EQ(out.view(), R"({"a":{"b":[]}})");
}

}  // namespace
}  // namespace godwit
