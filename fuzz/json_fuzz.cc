// Fuzzes json / jsonb input (text from clients): no crash, no stack overflow on deep
// input, every error carries one of the SQLSTATEs the parser documents, json returns
// its input verbatim, jsonb's output is a fixed point (normalizing it again gives it
// back), parses as JSON, and compares equal to and contains itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/types/json.h"

namespace {

using namespace quanta::sql;

void CheckError(const absl::Status& status) {
  QUANTA_ASSERT(!status.ok());
  const std::string state = SqlStateOf(status);
  QUANTA_ASSERT_MSG(state == "22P02" || state == "22P05" || state == "54001" || state == "22003",
                    state.c_str());
}

void CheckJsonb(std::string_view input, const std::string& normalized) {
  // jsonb accepts less than json.
  QUANTA_ASSERT(NormalizeJson(input).ok());
  auto again = NormalizeJsonb(normalized);
  QUANTA_ASSERT(again.ok());
  QUANTA_ASSERT(*again == normalized);
  auto parsed = ParseJson(normalized);
  QUANTA_ASSERT(parsed.ok());
  QUANTA_ASSERT(SerializeJson(*parsed, true) == normalized);
  auto compare = JsonbCompare(input, normalized);
  QUANTA_ASSERT(compare.ok());
  QUANTA_ASSERT(*compare == 0);
  auto contains = JsonbContains(normalized, input);
  QUANTA_ASSERT(contains.ok());
  QUANTA_ASSERT(*contains);
  auto type_in = JsonTypeof(input);
  auto type_out = JsonTypeof(normalized);
  QUANTA_ASSERT(type_in.ok());
  QUANTA_ASSERT(type_out.ok());
  QUANTA_ASSERT(*type_in == *type_out);
  // Every top-level element reads back as jsonb text that is itself normalized.
  auto length = JsonArrayLength(normalized);
  if (!length.ok()) return;
  for (int64_t i = 0; i < *length && i < 16; ++i) {
    auto element = JsonElement(normalized, i, /*as_text=*/false, /*jsonb=*/true);
    QUANTA_ASSERT(element.ok());
    QUANTA_ASSERT(element->has_value());
    auto element_again = NormalizeJsonb(**element);
    QUANTA_ASSERT(element_again.ok());
    QUANTA_ASSERT(*element_again == **element);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto json = NormalizeJson(input);
  if (json.ok()) {
    QUANTA_ASSERT(*json == input);
  } else {
    CheckError(json.status());
  }
  auto parsed = ParseJson(input);
  if (parsed.ok()) {
    QUANTA_ASSERT(json.ok());
    QUANTA_ASSERT(parsed->source_end <= size);
  } else {
    CheckError(parsed.status());
  }
  auto jsonb = NormalizeJsonb(input);
  if (jsonb.ok()) {
    CheckJsonb(input, *jsonb);
  } else {
    CheckError(jsonb.status());
  }
  // The json operators see the same text; they must not crash on whatever it is.
  for (const bool as_text : {false, true}) {
    auto field = JsonField(input, "a", as_text, /*jsonb=*/false);
    if (!field.ok()) CheckError(field.status());
    auto path = JsonPath(input, {"0", "a", "-1"}, as_text, /*jsonb=*/false);
    if (!path.ok()) CheckError(path.status());
  }
  return 0;
}
