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

struct Reader {
  std::string_view in;
  size_t pos = 0;
  bool Need(size_t n) const { return in.size() - pos >= n; }
};

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

std::string EncodeRowValues(const std::vector<Value>& values) {
  QUANTA_ASSERT(values.size() <= UINT16_MAX);
  std::string out;
  char b[2];
  PutU16(b, static_cast<uint16_t>(values.size()));
  out.append(b, 2);
  const size_t bitmap = out.size();
  out.append((values.size() + 7) / 8, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    const Value& v = values[i];
    if (v.is_null()) {
      out[bitmap + i / 8] = static_cast<char>(out[bitmap + i / 8] | (1 << (i % 8)));
      continue;
    }
    switch (StorageOf(v.type())) {
      case Storage::kInt: AppendU64(&out, static_cast<uint64_t>(v.int_value())); break;
      case Storage::kFloat: {
        uint64_t bits = 0;
        const double d = v.float_value();
        std::memcpy(&bits, &d, 8);
        AppendU64(&out, bits);
        break;
      }
      case Storage::kString:
        QUANTA_ASSERT(v.str().size() <= UINT32_MAX);
        AppendU32(&out, static_cast<uint32_t>(v.str().size()));
        out += v.str();
        break;
      case Storage::kNumeric: {
        const std::string n = v.numeric().Encode();
        AppendU32(&out, static_cast<uint32_t>(n.size()));
        out += n;
        break;
      }
    }
  }
  return out;
}

std::string EncodeRow(const std::vector<const Vector*>& columns, size_t row) {
  std::vector<Value> values;
  values.reserve(columns.size());
  for (const Vector* c : columns) values.push_back(c->Get(row));
  return EncodeRowValues(values);
}

// Straight into the vectors (no Value per column): the scan's inner loop.
absl::Status DecodeRow(std::string_view bytes, std::vector<Vector>* out, size_t row, const std::vector<bool>* needed) {
  QUANTA_ASSERT(needed == nullptr || needed->size() == out->size());
  Reader r{bytes};
  if (!r.Need(2)) return Damaged("truncated header");
  const size_t count = GetU16(bytes.data());
  r.pos = 2;
  if (count > out->size()) return Damaged("more columns than the table has");
  const size_t bitmap = r.pos;
  if (!r.Need((count + 7) / 8)) return Damaged("truncated null bitmap");
  r.pos += (count + 7) / 8;
  for (size_t i = 0; i < out->size(); ++i) {
    Vector& v = (*out)[i];
    const bool wanted = needed == nullptr || (*needed)[i];
    if (i >= count || (static_cast<uint8_t>(bytes[bitmap + i / 8]) >> (i % 8)) & 1) {
      if (wanted) v.SetNull(row);
      continue;
    }
    const Storage storage = v.storage();
    if (!wanted) {  // skipped over: its length only
      if (storage == Storage::kInt || storage == Storage::kFloat) {
        if (!r.Need(8)) return Damaged("truncated value");
        r.pos += 8;
        continue;
      }
      if (!r.Need(4)) return Damaged("truncated length");
      const uint32_t n = GetU32(bytes.data() + r.pos);
      r.pos += 4;
      if (!r.Need(n)) return Damaged("truncated string");
      r.pos += n;
      continue;
    }
    if (storage == Storage::kInt || storage == Storage::kFloat) {
      if (!r.Need(8)) return Damaged("truncated value");
      const uint64_t bits = GetU64(bytes.data() + r.pos);
      r.pos += 8;
      if (storage == Storage::kInt) {
        v.SetInt(row, static_cast<int64_t>(bits));
      } else {
        double d = 0;
        std::memcpy(&d, &bits, 8);
        v.SetFloat(row, d);
      }
      continue;
    }
    if (!r.Need(4)) return Damaged("truncated length");
    const uint32_t n = GetU32(bytes.data() + r.pos);
    r.pos += 4;
    if (!r.Need(n)) return Damaged("truncated string");
    const std::string_view body = bytes.substr(r.pos, n);
    r.pos += n;
    if (storage == Storage::kString) {
      if (v.type().id == TypeId::kInterval && body.size() != 32) return Damaged("malformed interval");
      if (v.type().id == TypeId::kUuid && body.size() != 16) return Damaged("malformed uuid");
      if (v.type().id == TypeId::kArray) RETURN_IF_ERROR(ValidateArray(body, Type(v.type().element)));
      v.SetStr(row, std::string(body));
    } else {
      if (v.decimal()) {  // most often: an int64 at the column's scale
        int64_t unscaled = 0;
        auto fits = Numeric::DecodeUnscaled(body, v.decimal_scale(), &unscaled);
        if (!fits.ok()) return fits.status();
        if (*fits) {
          v.SetUnscaled(row, unscaled);
          continue;
        }
      }
      auto num = Numeric::Decode(body);
      if (!num.ok()) return num.status();
      v.SetNum(row, std::move(*num));
    }
  }
  if (r.pos != bytes.size()) return Damaged("trailing bytes");
  return absl::OkStatus();
}

}  // namespace quanta::sql
