#include "sql/common/sql_error.h"

#include <cstdlib>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "engine/env/assert.h"
#include "engine/util/strings.h"

namespace quanta::sql {
namespace {

constexpr char kStatePayload[] = "quanta.sqlstate";
constexpr char kPositionPayload[] = "quanta.position";
constexpr char kDetailPayload[] = "quanta.detail";

absl::StatusCode CodeFor(std::string_view state) {
  QUANTA_ASSERT(state.size() == 5);
  const std::string_view cls = state.substr(0, 2);
  if (cls == "22" || cls == "42") return absl::StatusCode::kInvalidArgument;
  if (cls == "23" || cls == "25") return absl::StatusCode::kFailedPrecondition;
  if (cls == "54") return absl::StatusCode::kResourceExhausted;
  if (cls == "0A") return absl::StatusCode::kUnimplemented;
  if (cls == "40") return absl::StatusCode::kAborted;
  return absl::StatusCode::kInternal;
}

}  // namespace

absl::Status SqlError(const char* state, std::string_view message, int position, std::string_view detail) {
  absl::Status status(CodeFor(state), ToAbsl(message));
  status.SetPayload(kStatePayload, absl::Cord(state));
  if (position > 0) status.SetPayload(kPositionPayload, absl::Cord(std::to_string(position)));
  if (!detail.empty()) status.SetPayload(kDetailPayload, absl::Cord(ToAbsl(detail)));
  QUANTA_ASSERT(!status.ok());
  return status;
}

std::string SqlStateOf(const absl::Status& status) {
  QUANTA_ASSERT(!status.ok());
  if (auto state = status.GetPayload(kStatePayload)) return std::string(*state);
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return "22023";
    case absl::StatusCode::kResourceExhausted: return "53000";
    case absl::StatusCode::kUnavailable: return "57P03";
    case absl::StatusCode::kDeadlineExceeded: return "08007";
    case absl::StatusCode::kAborted: return "40001";
    case absl::StatusCode::kCancelled: return "57014";
    default: return sqlstate::kInternalError;
  }
}

std::string DetailOf(const absl::Status& status) {
  auto detail = status.GetPayload(kDetailPayload);
  return detail ? std::string(*detail) : std::string();
}

int PositionOf(const absl::Status& status) {
  auto position = status.GetPayload(kPositionPayload);
  if (!position) return 0;
  int p = 0;
  return absl::SimpleAtoi(std::string(*position), &p) ? p : 0;
}

absl::Status WithPosition(absl::Status status, int position) {
  if (status.ok() || position <= 0 || PositionOf(status) > 0) return status;
  status.SetPayload(kPositionPayload, absl::Cord(std::to_string(position)));
  return status;
}

}  // namespace quanta::sql
