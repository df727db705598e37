// Parser: PostgreSQL's dialect into ast::Statement trees (recursive descent over the
// lexer's tokens, with PostgreSQL's operator precedence).
//
// A request may hold several statements separated by semicolons (empty ones are
// skipped), as a simple-query message does. Errors are PostgreSQL's: 42601 "syntax
// error at or near "x"" (or "at end of input") with the position of the offending
// token; nesting past ast::kMaxNestingDepth and lists past ast::kMaxListItems are
// 54001, never a stack overflow.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sql/parser/ast.h"

namespace quanta::sql {

absl::StatusOr<std::vector<ast::Statement>> Parse(std::string_view sql);

}  // namespace quanta::sql
