// Fuzzes the SQL lexer and parser (statement text comes straight from clients): no
// crash, no stack overflow on deep input, every error carries a SQLSTATE, and a
// syntax error's position lies within the text (or just past its end).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/parser/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace quanta::sql;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto statements = Parse(text);
  if (!statements.ok()) {
    const std::string state = SqlStateOf(statements.status());
    QUANTA_ASSERT(state.size() == 5);
    QUANTA_ASSERT(PositionOf(statements.status()) <= static_cast<int>(size) + 1);
  }
  return 0;
}
