// WriteSet: one transaction's writes, applied atomically at one LSN; its encoding is
// the payload of a kWriteSet WAL record.
//
// Encoding (little-endian): u32 op count, then per op: u8 kind (1 put, 2 delete),
// u64 tree, u32 key length, key, and for puts u32 value length, value. The decoder
// checks every length (it reads bytes from disk or, later, from peers; fuzzed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/storage/meta.h"

namespace quanta::storage {

inline constexpr uint32_t kMaxWriteSetOps = 1u << 20;

struct WriteOp {
  enum class Kind : uint8_t { kPut = 1, kDelete = 2 };
  Kind kind = Kind::kPut;
  TreeId tree = 0;
  std::string key;
  std::string value;  // puts only
  bool operator==(const WriteOp& o) const {
    return kind == o.kind && tree == o.tree && key == o.key && value == o.value;
  }
};

struct WriteSet {
  WriteSet() {}
  std::vector<WriteOp> ops;
  void Put(TreeId tree, std::string key, std::string value) {
    ops.push_back(WriteOp{WriteOp::Kind::kPut, tree, std::move(key), std::move(value)});
  }
  void Delete(TreeId tree, std::string key) {
    ops.push_back(WriteOp{WriteOp::Kind::kDelete, tree, std::move(key), {}});
  }
};

std::string EncodeWriteSet(const WriteSet& ws);
// Errors: kDataLoss naming the malformed part.
absl::StatusOr<WriteSet> DecodeWriteSet(std::string_view bytes);

}  // namespace quanta::storage
