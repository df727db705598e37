// bytea functions: encode(bytes, format), decode(text, format), octet_length(bytes).
#include "engine/env/assert.h"
#include "sql/execution/kernels.h"
#include "sql/types/binary.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

absl::Status Encode(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto s = EncodeBytes(args[0]->Str(r), args[1]->Str(r));
    if (!s.ok()) return s.status();
    out->SetStr(r, std::move(*s));
    return absl::OkStatus();
  });
}

absl::Status Decode(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    auto s = DecodeBytes(args[0]->Str(r), args[1]->Str(r));
    if (!s.ok()) return s.status();
    out->SetStr(r, std::move(*s));
    return absl::OkStatus();
  });
}

absl::Status OctetLength(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetInt(r, static_cast<int64_t>(args[0]->Str(r).size()));
    return absl::OkStatus();
  });
}

}  // namespace

ScalarKernel BinaryFunctionKernel(std::string_view name) {
  if (name == "encode") return Encode;
  if (name == "decode") return Decode;
  QUANTA_ASSERT(name == "octet_length");
  return OctetLength;
}

}  // namespace quanta::sql
