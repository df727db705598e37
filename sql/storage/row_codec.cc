#include "sql/storage/row_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/status.h"
#include "engine/util/coding.h"
#include "sql/types/array.h"
#include "sql/types/ordered_key.h"

namespace quanta::sql {
namespace {

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

absl::Status Damaged(const char* what) { return absl::DataLossError(absl::StrCat("row: ", what)); }

}  // namespace

std::string RowIdKeyBytes(uint64_t row_id) {
  std::string out;
  AppendBigEndian(row_id, &out);
  return out;
}

void AppendKeyValue(const Value& v, std::string* out) {
  if (v.is_null()) {
    out->push_back(0x01);
    return;
  }
  out->push_back(0x02);
  AppendOrderedKey(v, out);
}

void AppendKey(const Vector& column, size_t row, std::string* out) { AppendKeyValue(column.Get(row), out); }

std::optional<std::string> PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<uint8_t>(prefix.back()) != 0xFF) {
      prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

std::string IndexKeyPrefix(const std::vector<int>& columns, const std::vector<Value>& row, bool* has_null) {
  std::string prefix;
  *has_null = false;
  for (int c : columns) {
    QUANTA_ASSERT(c >= 0 && static_cast<size_t>(c) < row.size());
    const Value& v = row[static_cast<size_t>(c)];
    *has_null = *has_null || v.is_null();
    AppendKeyValue(v, &prefix);
  }
  QUANTA_ASSERT(prefix.size() >= columns.size());
  return prefix;
}

namespace {

// Numeric slots (see the header).
constexpr uint64_t kHeapNumeric = 0xFF;
constexpr int kMaxInlineScale = 0x7F;
constexpr int64_t kInlineLimit = int64_t{1} << 55;  // |unscaled| < 2^55: 56 signed bits
constexpr size_t kMaxNumericBytes = (size_t{1} << 24) - 1;

bool InlineNumeric(const Numeric& n, uint64_t* slot) {
  int64_t unscaled = 0;
  if (n.scale() < 0 || n.scale() > kMaxInlineScale || !n.SmallUnscaled(&unscaled)) return false;
  if (unscaled >= kInlineLimit || unscaled <= -kInlineLimit) return false;
  *slot = (static_cast<uint64_t>(unscaled) << 8) | static_cast<uint64_t>(n.scale());
  return true;
}

// Appends `bytes` to the row's heap and returns where they start.
uint64_t AppendHeap(std::string_view bytes, std::string* row) {
  QUANTA_ASSERT(row->size() <= UINT32_MAX && bytes.size() <= UINT32_MAX - row->size());
  const uint64_t at = row->size();
  row->append(bytes);
  return at;
}

}  // namespace

size_t RowHeaderBytes(size_t columns) { return 2 + (columns + 7) / 8 + 8 * columns; }

std::string EncodeRowValues(const std::vector<Value>& values) {
  QUANTA_ASSERT(values.size() <= UINT16_MAX);
  std::string out(RowHeaderBytes(values.size()), '\0');
  PutU16(out.data(), static_cast<uint16_t>(values.size()));
  const size_t bitmap = 2, slots = 2 + (values.size() + 7) / 8;
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& v = values[i];
    uint64_t slot = 0;
    if (v.is_null()) {
      out[bitmap + i / 8] = static_cast<char>(out[bitmap + i / 8] | (1 << (i % 8)));
      continue;
    }
    switch (StorageOf(v.type())) {
      case Storage::kInt: slot = static_cast<uint64_t>(v.int_value()); break;
      case Storage::kFloat: {
        const double d = v.float_value();
        std::memcpy(&slot, &d, 8);
        break;
      }
      case Storage::kString: {
        const uint64_t at = AppendHeap(v.str(), &out);
        slot = at << 32 | v.str().size();
        break;
      }
      case Storage::kNumeric: {
        if (InlineNumeric(v.numeric(), &slot)) break;
        const std::string n = v.numeric().Encode();
        QUANTA_ASSERT(n.size() <= kMaxNumericBytes);
        const uint64_t at = AppendHeap(n, &out);
        slot = at << 32 | uint64_t{n.size()} << 8 | kHeapNumeric;
        break;
      }
    }
    PutU64(out.data() + slots + 8 * i, slot);
  }
  QUANTA_ASSERT(out.size() >= RowHeaderBytes(values.size()));
  return out;
}

std::string EncodeRow(const std::vector<const Vector*>& columns, size_t row) {
  std::vector<Value> values;
  values.reserve(columns.size());
  for (const Vector* c : columns) values.push_back(c->Get(row));
  return EncodeRowValues(values);
}

absl::Status RowBatchDecoder::Add(std::string_view row) {
  if (row.size() < 2) return Damaged("truncated header");
  if (row.size() > UINT32_MAX) return Damaged("longer than a row can be");
  const size_t count = GetU16(row.data());
  if (count > table_columns_) return Damaged("more columns than the table has");
  if (row.size() < RowHeaderBytes(count)) return Damaged("truncated slots");
  rows_.push_back(RowRef{row.data(), static_cast<uint32_t>(row.size()), static_cast<uint16_t>(count),
                         static_cast<uint16_t>(2 + (count + 7) / 8)});
  QUANTA_ASSERT(rows_.back().slots_at + 8 * size_t{count} <= row.size());
  return absl::OkStatus();
}

namespace {

// Runs `decode(row, slot_bytes)` for column `c` of each row `selection` names (all:
// nullptr), setting NULL where the row lacks the column or holds NULL there.
template <typename Row, typename Decode>
absl::Status ForEachSlot(const std::vector<Row>& rows, size_t c, const std::vector<uint32_t>* selection,
                         size_t first_out_row, Vector* out, Decode decode) {
  const size_t n = selection != nullptr ? selection->size() : rows.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = selection != nullptr ? (*selection)[k] : k;
    QUANTA_DEBUG_ASSERT(i < rows.size());
    const Row& r = rows[i];
    if (c >= r.count || (static_cast<uint8_t>(r.data[2 + c / 8]) >> (c % 8)) & 1) {
      out->SetNull(first_out_row + i);
      continue;
    }
    RETURN_IF_ERROR(decode(r, first_out_row + i, GetU64(r.data + r.slots_at + 8 * c)));
  }
  return absl::OkStatus();
}

// The heap bytes a string or heap-numeric slot names, checked against the row.
template <typename Row>
absl::StatusOr<std::string_view> HeapBytes(const Row& r, uint64_t offset, uint64_t length) {
  const uint64_t heap = r.slots_at + 8 * uint64_t{r.count};
  if (offset < heap || offset > r.size || length > r.size - offset) return Damaged("value outside its row");
  return std::string_view(r.data + offset, length);
}

absl::Status CheckStringBody(const Type& type, std::string_view body) {
  if (type.id == TypeId::kInterval && body.size() != 32) return Damaged("malformed interval");
  if (type.id == TypeId::kUuid && body.size() != 16) return Damaged("malformed uuid");
  if (type.id == TypeId::kArray) return ValidateArray(body, Type(type.element));
  return absl::OkStatus();
}

}  // namespace

absl::Status RowBatchDecoder::DecodeColumn(size_t c, const std::vector<uint32_t>* selection, Vector* out,
                                           size_t first_out_row) const {
  QUANTA_ASSERT(c < table_columns_ && !out->is_constant() && out->size() >= first_out_row + rows_.size());
  switch (out->storage()) {
    case Storage::kInt:
      return ForEachSlot(rows_, c, selection, first_out_row, out, [out](const RowRef&, size_t i, uint64_t slot) {
        out->SetInt(i, static_cast<int64_t>(slot));
        return absl::OkStatus();
      });
    case Storage::kFloat:
      return ForEachSlot(rows_, c, selection, first_out_row, out, [out](const RowRef&, size_t i, uint64_t slot) {
        double d = 0;
        std::memcpy(&d, &slot, 8);
        out->SetFloat(i, d);
        return absl::OkStatus();
      });
    case Storage::kString:
      return ForEachSlot(rows_, c, selection, first_out_row, out, [out](const RowRef& r, size_t i, uint64_t slot) {
        ASSIGN_OR_RETURN(std::string_view body, HeapBytes(r, slot >> 32, slot & 0xFFFFFFFF));
        RETURN_IF_ERROR(CheckStringBody(out->type(), body));
        out->SetStr(i, std::string(body));
        return absl::OkStatus();
      });
    case Storage::kNumeric:
      return ForEachSlot(rows_, c, selection, first_out_row, out, [out](const RowRef& r, size_t i, uint64_t slot) {
        const int tag = static_cast<int>(slot & 0xFF);
        if (tag <= kMaxInlineScale) {
          const int64_t unscaled = static_cast<int64_t>(slot) >> 8;
          if (out->decimal() && out->decimal_scale() == tag) {
            out->SetUnscaled(i, unscaled);
          } else {
            out->SetNum(i, Numeric::FromUnscaled(unscaled, tag));
          }
          return absl::OkStatus();
        }
        if (static_cast<uint64_t>(tag) != kHeapNumeric) return Damaged("malformed numeric slot");
        ASSIGN_OR_RETURN(std::string_view body, HeapBytes(r, slot >> 32, (slot >> 8) & kMaxNumericBytes));
        ASSIGN_OR_RETURN(Numeric num, Numeric::Decode(body));
        out->SetNum(i, std::move(num));
        return absl::OkStatus();
      });
  }
  QUANTA_UNREACHABLE("a storage class without a slot decoding");
}

absl::Status DecodeRow(std::string_view bytes, std::vector<Vector>* out, size_t row, const std::vector<bool>* needed) {
  QUANTA_ASSERT(needed == nullptr || needed->size() == out->size());
  RowBatchDecoder decoder(out->size());
  RETURN_IF_ERROR(decoder.Add(bytes));
  for (size_t c = 0; c < out->size(); ++c) {
    if (needed != nullptr && !(*needed)[c]) continue;
    RETURN_IF_ERROR(decoder.DecodeColumn(c, nullptr, &(*out)[c], row));
  }
  return absl::OkStatus();
}

}  // namespace quanta::sql
