// Fuzzes json / jsonb input (text from clients): no crash, no stack overflow on deep
// input, every error carries one of the SQLSTATEs the parser documents, json returns
// its input verbatim, jsonb's output is a fixed point (normalizing it again gives it
// back), parses as JSON, and compares equal to and contains itself; the set-returning
// functions' helpers (elements, keys, members) agree with the -> and ->> operators.
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

// The set-returning functions' helpers on a jsonb document agree with the operators:
// an array's elements are doc -> i, an object's keys and members are its fields; on the
// wrong kind of document they fail with 22023, never anything else.
void CheckSetFunctions(const std::string& doc) {
  auto elements = JsonArrayElements(doc, /*as_text=*/false, /*jsonb=*/true, "jsonb_array_elements");
  auto length = JsonArrayLength(doc);
  QUANTA_ASSERT(elements.ok() == length.ok());
  if (elements.ok()) {
    QUANTA_ASSERT(static_cast<int64_t>(elements->size()) == *length);
    for (size_t i = 0; i < elements->size() && i < 16; ++i) {
      auto element = JsonElement(doc, static_cast<int64_t>(i), false, true);
      QUANTA_ASSERT(element.ok());
      QUANTA_ASSERT(*element == (*elements)[i]);
    }
  } else {
    QUANTA_ASSERT(SqlStateOf(elements.status()) == "22023");
  }
  auto keys = JsonObjectKeys(doc, /*jsonb=*/true, "jsonb_object_keys");
  auto members = JsonObjectMembers(doc, /*as_text=*/true, /*jsonb=*/true, "jsonb_each_text");
  QUANTA_ASSERT(keys.ok() == members.ok());
  if (!keys.ok()) {
    QUANTA_ASSERT(SqlStateOf(keys.status()) == "22023" && SqlStateOf(members.status()) == "22023");
    return;
  }
  QUANTA_ASSERT(keys->size() == members->size());
  for (size_t i = 0; i < keys->size() && i < 16; ++i) {
    QUANTA_ASSERT((*members)[i].first == (*keys)[i]);
    auto field = JsonField(doc, (*keys)[i], /*as_text=*/true, /*jsonb=*/true);
    QUANTA_ASSERT(field.ok());
    QUANTA_ASSERT(*field == (*members)[i].second);  // jsonb keys are unique: the one member
  }
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
  CheckSetFunctions(normalized);
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
    // json's (verbatim) members: as many as the parse found, keys in document order.
    auto members = JsonObjectMembers(input, /*as_text=*/false, /*jsonb=*/false, "json_each");
    if (members.ok()) {
      QUANTA_ASSERT(parsed->kind == JsonKind::kObject && members->size() == parsed->members.size());
    } else {
      QUANTA_ASSERT(parsed->kind != JsonKind::kObject && SqlStateOf(members.status()) == "22023");
    }
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
