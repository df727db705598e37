// SQL errors: an absl::Status that also carries PostgreSQL's SQLSTATE and, for errors
// about the statement text, the 1-based character position PostgreSQL reports.
//
// Every error the SQL layer returns for user input is built here, so the wire protocol
// (ErrorResponse fields C and P) and the sqllogictest runner read one representation.
// The absl code follows the SQLSTATE's class: 22 and 42 kInvalidArgument, 23
// kFailedPrecondition, 54 kResourceExhausted, 25 kFailedPrecondition, XX kInternal.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace quanta::sql {

// SQLSTATEs used across the SQL layer (PostgreSQL's errcodes.txt names).
namespace sqlstate {
inline constexpr char kSyntaxError[] = "42601";
inline constexpr char kQueryCanceled[] = "57014";
inline constexpr char kUndefinedTable[] = "42P01";
inline constexpr char kUndefinedColumn[] = "42703";
inline constexpr char kUndefinedFunction[] = "42883";
inline constexpr char kDuplicateTable[] = "42P07";
inline constexpr char kDuplicateColumn[] = "42701";
inline constexpr char kAmbiguousColumn[] = "42702";
inline constexpr char kDatatypeMismatch[] = "42804";
inline constexpr char kGroupingError[] = "42803";
inline constexpr char kInvalidColumnReference[] = "42P10";
inline constexpr char kUndefinedObject[] = "42704";
inline constexpr char kInvalidTableDefinition[] = "42P16";
inline constexpr char kCannotCoerce[] = "42846";
inline constexpr char kWrongObjectType[] = "42809";
inline constexpr char kWindowingError[] = "42P20";
inline constexpr char kInvalidNameSyntax[] = "42602";
inline constexpr char kFeatureNotSupported[] = "0A000";
inline constexpr char kProgramLimitExceeded[] = "54001";
inline constexpr char kStatementTooComplex[] = "54001";
inline constexpr char kNumericOutOfRange[] = "22003";
inline constexpr char kDivisionByZero[] = "22012";
inline constexpr char kInvalidTextRepresentation[] = "22P02";
inline constexpr char kStringDataRightTruncation[] = "22001";
inline constexpr char kInvalidParameterValue[] = "22023";
inline constexpr char kNotNullViolation[] = "23502";
inline constexpr char kUniqueViolation[] = "23505";
inline constexpr char kCheckViolation[] = "23514";
inline constexpr char kForeignKeyViolation[] = "23503";
inline constexpr char kInvalidForeignKey[] = "42830";
inline constexpr char kReadOnlyTransaction[] = "25006";
inline constexpr char kInternalError[] = "XX000";
}  // namespace sqlstate

// Builds an error with `state` and `message`; `position` (1-based character offset
// into the statement, 0 for none) as PostgreSQL reports it.
// `detail`, if given, is PostgreSQL's DETAIL line.
absl::Status SqlError(const char* state, std::string_view message, int position = 0, std::string_view detail = {});

// The SQLSTATE of `status`: its own if it carries one, otherwise one derived from its
// code (XX000 for internal errors, 57P01-like classes are not guessed). REQUIRES: !ok.
std::string SqlStateOf(const absl::Status& status);
// The DETAIL carried by `status`, empty if none.
std::string DetailOf(const absl::Status& status);
// The position carried by `status`, 0 if none.
int PositionOf(const absl::Status& status);
// A copy of `status` with `position` set (kept if it already has one).
absl::Status WithPosition(absl::Status status, int position);

}  // namespace quanta::sql
