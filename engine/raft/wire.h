// Raft messages to and from bytes (Protobuf, engine/raft/raft.proto).
//
// Append batches larger than kCompressAboveBytes travel lz4-compressed. Decoding checks
// everything a faulty or hostile peer could get wrong (unknown types, node 0, entries
// that are not consecutive or go back in term, sizes over the limits, a compressed
// batch that does not inflate to its declared size) and names the problem; it never
// trusts a size before checking it against kMaxMessageBytes. Fuzzed:
// fuzz/raft_message_fuzz.cc.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/raft/raft_types.h"

namespace quanta::raft {

inline constexpr size_t kCompressAboveBytes = 4096;
inline constexpr size_t kMaxMessageBytes = 64u << 20;

std::string EncodeMessage(const Message& message);
// Errors: kDataLoss naming what is wrong.
absl::StatusOr<Message> DecodeMessage(std::string_view bytes);

}  // namespace quanta::raft
