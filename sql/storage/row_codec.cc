#include "sql/storage/row_codec.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/util/coding.h"

namespace quanta::sql {
namespace {

void AppendBigEndian(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void AppendEscaped(std::string_view s, bool invert, std::string* out) {
  const auto put = [&](uint8_t b) { out->push_back(static_cast<char>(invert ? ~b : b)); };
  for (char c : s) {
    put(static_cast<uint8_t>(c));
    if (c == 0) put(0xFF);
  }
  put(0x00);
  put(0x01);
}

// Numerics: sign class, then for non-zero the decimal exponent and the significant
// digits (inverted for negatives, so larger magnitudes sort first there).
void AppendNumericKey(const Numeric& n, std::string* out) {
  if (n.is_nan()) {
    out->push_back(static_cast<char>(0x30));
    return;
  }
  if (n.is_zero()) {
    out->push_back(static_cast<char>(0x20));
    return;
  }
  std::string digits = n.Abs().ToString();
  const size_t point = digits.find('.');
  int exponent = static_cast<int>(point == std::string::npos ? digits.size() : point);
  if (point != std::string::npos) digits.erase(point, 1);
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  exponent -= static_cast<int>(lead);
  digits.erase(0, lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  const bool negative = n.negative();
  out->push_back(static_cast<char>(negative ? 0x10 : 0x28));
  uint32_t e = static_cast<uint32_t>(exponent) ^ 0x80000000u;
  if (negative) e = ~e;
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((e >> (8 * i)) & 0xFF));
  AppendEscaped(digits, negative, out);
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
  switch (StorageOf(v.type())) {
    case Storage::kInt:
      AppendBigEndian(static_cast<uint64_t>(v.int_value()) ^ 0x8000000000000000ull, out);
      return;
    case Storage::kFloat: {
      double d = v.float_value();
      if (d == 0) d = 0;  // -0 = 0
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // one NaN, as SQL groups them
      uint64_t bits = 0;
      std::memcpy(&bits, &d, 8);
      bits = (bits & 0x8000000000000000ull) ? ~bits : bits ^ 0x8000000000000000ull;
      AppendBigEndian(bits, out);
      return;
    }
    case Storage::kString: {
      std::string_view s = v.str();
      if (v.type().id == TypeId::kBpchar) {
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);  // char(n) ignores padding
      }
      AppendEscaped(s, false, out);
      return;
    }
    case Storage::kNumeric:
      AppendNumericKey(v.numeric(), out);
      return;
  }
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
absl::Status DecodeRow(std::string_view bytes, std::vector<Vector>* out, size_t row) {
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
    if (i >= count || (static_cast<uint8_t>(bytes[bitmap + i / 8]) >> (i % 8)) & 1) {
      v.SetNull(row);
      continue;
    }
    const Storage storage = v.storage();
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
      v.SetStr(row, std::string(body));
    } else {
      auto num = Numeric::Decode(body);
      if (!num.ok()) return num.status();
      v.SetNum(row, std::move(*num));
    }
  }
  if (r.pos != bytes.size()) return Damaged("trailing bytes");
  return absl::OkStatus();
}

}  // namespace quanta::sql
