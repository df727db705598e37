#include "engine/storage/write_set.h"

#include "absl/strings/str_cat.h"
#include "engine/storage/page.h"

namespace quanta::storage {

std::string EncodeWriteSet(const WriteSet& ws) {
  size_t size = 4;
  for (const WriteOp& op : ws.ops) size += 1 + 8 + 4 + op.key.size() + (op.kind == WriteOp::Kind::kPut ? 4 + op.value.size() : 0);
  std::string out(size, '\0');
  char* p = out.data();
  PutU32(p, static_cast<uint32_t>(ws.ops.size()));
  p += 4;
  for (const WriteOp& op : ws.ops) {
    *p++ = static_cast<char>(op.kind);
    PutU64(p, op.tree);
    PutU32(p + 8, static_cast<uint32_t>(op.key.size()));
    p += 12;
    p = std::copy(op.key.begin(), op.key.end(), p);
    if (op.kind == WriteOp::Kind::kPut) {
      PutU32(p, static_cast<uint32_t>(op.value.size()));
      p = std::copy(op.value.begin(), op.value.end(), p + 4);
    }
  }
  return out;
}

absl::StatusOr<WriteSet> DecodeWriteSet(std::string_view bytes) {
  auto bad = [](absl::string_view what) { return absl::DataLossError(absl::StrCat("malformed write set: ", what)); };
  if (bytes.size() < 4) return bad("truncated header");
  const uint32_t count = GetU32(bytes.data());
  if (count > kMaxWriteSetOps) return bad("too many operations");
  size_t at = 4;
  WriteSet ws;
  ws.ops.reserve(std::min<size_t>(count, bytes.size() / 13));
  for (uint32_t i = 0; i < count; ++i) {
    if (bytes.size() - at < 13) return bad(absl::StrCat("operation ", i, " truncated"));
    WriteOp op;
    const auto kind = static_cast<uint8_t>(bytes[at]);
    if (kind != 1 && kind != 2) return bad(absl::StrCat("operation ", i, " has unknown kind ", kind));
    op.kind = static_cast<WriteOp::Kind>(kind);
    op.tree = GetU64(bytes.data() + at + 1);
    const uint32_t key_len = GetU32(bytes.data() + at + 9);
    at += 13;
    if (bytes.size() - at < key_len) return bad(absl::StrCat("operation ", i, " key truncated"));
    op.key.assign(bytes.substr(at, key_len));
    at += key_len;
    if (op.kind == WriteOp::Kind::kPut) {
      if (bytes.size() - at < 4) return bad(absl::StrCat("operation ", i, " value length truncated"));
      const uint32_t value_len = GetU32(bytes.data() + at);
      at += 4;
      if (bytes.size() - at < value_len) return bad(absl::StrCat("operation ", i, " value truncated"));
      op.value.assign(bytes.substr(at, value_len));
      at += value_len;
    }
    ws.ops.push_back(std::move(op));
  }
  if (at != bytes.size()) return bad("trailing bytes");
  return ws;
}

}  // namespace quanta::storage
