// Fuzzes the input functions of the structured types (array literals, uuid, bytea and
// its encode/decode formats) and the validation of array encodings read from disk:
// no crash; every error carries a SQLSTATE (or is kDataLoss for encodings); an
// accepted literal's output parses back to the same encoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/types/array.h"
#include "sql/types/binary.h"
#include "sql/types/cast.h"

namespace {

using namespace quanta::sql;

void CheckArrayLiteral(std::string_view text, const Type& element) {
  auto parsed = ParseArrayLiteral(text, element);
  if (!parsed.ok()) {
    QUANTA_ASSERT(SqlStateOf(parsed.status()).size() == 5);
    return;
  }
  QUANTA_ASSERT(ValidateArray(*parsed, element).ok());
  auto again = ParseArrayLiteral(FormatArray(*parsed, element), element);
  QUANTA_ASSERT(again.ok());
  QUANTA_ASSERT(*again == *parsed || element.id == TypeId::kFloat8);  // -0 prints as 0
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (TypeId id : {TypeId::kInt4, TypeId::kText, TypeId::kNumeric, TypeId::kFloat8, TypeId::kBool}) {
    CheckArrayLiteral(text, Type(id));
    const absl::Status valid = ValidateArray(text, Type(id));
    if (valid.ok()) {
      (void)FormatArray(text, Type(id));
    } else {
      QUANTA_ASSERT(absl::IsDataLoss(valid));
    }
  }
  if (auto uuid = ParseUuid(text); uuid.ok()) {
    QUANTA_ASSERT(*ParseUuid(FormatUuid(*uuid)) == *uuid);
  }
  if (auto bytes = ParseBytea(text); bytes.ok()) {
    QUANTA_ASSERT(*ParseBytea(FormatBytea(*bytes)) == *bytes);
    for (const char* format : {"hex", "base64", "escape"}) {
      auto encoded = EncodeBytes(*bytes, format);
      QUANTA_ASSERT(encoded.ok());
      auto decoded = DecodeBytes(*encoded, format);
      QUANTA_ASSERT(decoded.ok() && *decoded == *bytes);
    }
  }
  return 0;
}
