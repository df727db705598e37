// Fuzzes the decoding of table rows read from disk (sql/storage/row_codec.h) against a
// table with a column of every storage class: no crash and no read outside the row;
// a refusal is kDataLoss; an accepted row re-encodes to a row that decodes to the same
// values, through DecodeRow and through the column-at-a-time RowBatchDecoder alike.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/env/assert.h"
#include "sql/execution/vector.h"
#include "sql/storage/row_codec.h"

namespace {

using namespace quanta::sql;

const std::vector<Type>& Columns() {
  static const std::vector<Type> types = {
      Type(TypeId::kInt8),  Type(TypeId::kFloat8),   Type(TypeId::kText),
      Type(TypeId::kUuid),  Type(TypeId::kInterval), Type(TypeId::kNumeric),
      Type(TypeId::kNumeric, ((15 << 16) | 2) + 4),  Type::Array(TypeId::kInt4)};
  return types;
}

std::vector<Vector> Vectors() {
  std::vector<Vector> out;
  for (const Type& t : Columns()) out.emplace_back(t, 1);
  return out;
}

std::vector<Value> Values(const std::vector<Vector>& row) {
  std::vector<Value> out;
  for (const Vector& v : row) out.push_back(v.Get(0));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<Vector> row = Vectors();
  const absl::Status s = DecodeRow(bytes, &row, 0);
  RowBatchDecoder batch(Columns().size());
  absl::Status b = batch.Add(bytes);
  for (size_t c = 0; b.ok() && c < Columns().size(); ++c) {
    Vector column(Columns()[c], 1);
    b = batch.DecodeColumn(c, nullptr, &column);
  }
  QUANTA_ASSERT(s.ok() == b.ok());
  if (!s.ok()) {
    QUANTA_ASSERT(absl::IsDataLoss(s) && absl::IsDataLoss(b));
    return 0;
  }
  const std::vector<Value> values = Values(row);
  const std::string again = EncodeRowValues(values);
  std::vector<Vector> reread = Vectors();
  QUANTA_ASSERT(DecodeRow(again, &reread, 0).ok());
  QUANTA_ASSERT(EncodeRowValues(Values(reread)) == again);
  return 0;
}
