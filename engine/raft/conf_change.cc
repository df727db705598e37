#include "engine/raft/conf_change.h"

#include "absl/strings/str_cat.h"
#include "engine/util/coding.h"

namespace quanta::raft {
namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kEncodedBytes = 10;
}  // namespace

const char* ConfChangeOpName(ConfChange::Op op) {
  switch (op) {
    case ConfChange::Op::kAddVoter: return "add-voter";
    case ConfChange::Op::kAddLearner: return "add-learner";
    case ConfChange::Op::kPromote: return "promote";
    case ConfChange::Op::kRemove: return "remove";
  }
  return "unknown";
}

std::string EncodeConfChange(const ConfChange& change) {
  std::string out(kEncodedBytes, '\0');
  out[0] = static_cast<char>(kVersion);
  out[1] = static_cast<char>(change.op);
  PutU64(out.data() + 2, change.node);
  return out;
}

absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes) {
  if (bytes.size() != kEncodedBytes) {
    return absl::DataLossError(absl::StrCat("membership change of ", bytes.size(), " bytes, expected ", kEncodedBytes));
  }
  if (static_cast<uint8_t>(bytes[0]) != kVersion) {
    return absl::DataLossError(absl::StrCat("membership change version ", static_cast<int>(static_cast<uint8_t>(bytes[0]))));
  }
  const auto op = static_cast<uint8_t>(bytes[1]);
  if (op < 1 || op > 4) return absl::DataLossError(absl::StrCat("unknown membership change op ", op));
  const NodeId node = GetU64(bytes.data() + 2);
  if (node == kNoNode) return absl::DataLossError("membership change names node 0");
  return ConfChange(static_cast<ConfChange::Op>(op), node);
}

}  // namespace quanta::raft
