// Casts between SQL types and the text forms of values: PostgreSQL's input functions
// (text → value, with its error messages), output functions (value → text, as psql
// shows it) and pg_cast's rules for which casts apply implicitly, on assignment or
// only explicitly.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sql/types/value.h"

namespace quanta::sql {

enum class CastContext : uint8_t { kImplicit, kAssignment, kExplicit };

// Whether a value of `from` may become `to` in `context` (pg_cast's castcontext).
bool CanCast(const Type& from, const Type& to, CastContext context);

// Converts `v` to `to`. Assignment and explicit casts differ only for char(n) and
// varchar(n): an explicit cast truncates, assignment refuses with 22001. Errors:
// 22P02 for bad text, 22003 out of range, 22001 too long; 42846 if no cast exists.
absl::StatusOr<Value> CastValue(const Value& v, const Type& to, CastContext context);

// The type's input function: `text` as a value of `type` (22P02, 22003 on bad input).
absl::StatusOr<Value> ParseValue(std::string_view text, const Type& type);
// The type's output function (PostgreSQL's text format). REQUIRES: !v.is_null().
std::string FormatValue(const Value& v);
// Output of float8 and float4 values (shortest exact digits, PostgreSQL's layout).
std::string FormatFloat8(double v);
std::string FormatFloat4(float v);

// Range checks and messages for integer results ("integer out of range").
absl::StatusOr<int64_t> CheckIntRange(int64_t v, TypeId id);
absl::Status IntOutOfRange(TypeId id);

}  // namespace quanta::sql
