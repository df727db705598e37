// The row format (row_codec.h) round-trips every storage class, and refuses damage.
//
// RapidCheck: random rows of random column types (NULLs, heap numerics past 56 bits or
// 127 scale digits, NaN, 18-digit decimals, empty and long strings) encode and decode to
// the same values, through DecodeRow and through a RowBatchDecoder reading a column at
// a time, for all rows or a selection; rows written before columns were added read
// the missing ones as NULL. Truncated or overwritten rows decode to the values or to
// kDataLoss, never to a crash or an out-of-bounds read.
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sql/execution/vector.h"
#include "sql/storage/row_codec.h"
#include "sql/types/array.h"

namespace quanta::sql {
namespace {

int32_t NumericTypmod(int precision, int scale) { return ((precision << 16) | scale) + 4; }

const std::vector<Type>& ColumnTypes() {
  static const std::vector<Type> types = {
      Type(TypeId::kInt8),    Type(TypeId::kInt4),  Type(TypeId::kBool),
      Type(TypeId::kFloat8),  Type(TypeId::kText),  Type(TypeId::kBytea),
      Type(TypeId::kUuid),    Type(TypeId::kInterval),
      Type(TypeId::kNumeric), Type(TypeId::kNumeric, NumericTypmod(15, 2)),
      Type(TypeId::kNumeric, NumericTypmod(18, 0)), Type::Array(TypeId::kInt4)};
  return types;
}

rc::Gen<Numeric> GenNumeric() {
  return rc::gen::oneOf(
      rc::gen::just(Numeric::NaN()),
      rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange(0, 45), rc::gen::inRange(0, 140),
                                  rc::gen::arbitrary<uint64_t>()),
                   [](const std::tuple<bool, int, int, uint64_t>& t) {
                     const auto& [negative, int_digits, frac_digits, seed] = t;
                     std::string text = negative ? "-" : "";
                     uint64_t x = seed;
                     auto digit = [&x] {
                       x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                       return static_cast<char>('0' + (x >> 33) % 10);
                     };
                     text.push_back(digit());
                     for (int i = 1; i < int_digits; ++i) text.push_back(digit());
                     if (frac_digits > 0) text.push_back('.');
                     for (int i = 0; i < frac_digits; ++i) text.push_back(digit());
                     auto n = Numeric::Parse(text);
                     QUANTA_ASSERT(n.ok());
                     return *n;
                   }));
}

// A value of `type`: NULL a fifth of the time.
rc::Gen<Value> GenValue(const Type& type) {
  auto value = [type]() -> rc::Gen<Value> {
    switch (type.id) {
      case TypeId::kInt8:
        return rc::gen::map(rc::gen::arbitrary<int64_t>(), [type](int64_t i) { return Value::Int(type, i); });
      case TypeId::kInt4:
        return rc::gen::map(rc::gen::arbitrary<int32_t>(), [type](int32_t i) { return Value::Int(type, i); });
      case TypeId::kBool:
        return rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return Value::Bool(b); });
      case TypeId::kFloat8:
        return rc::gen::map(rc::gen::arbitrary<double>(), [type](double f) { return Value::Float(type, f); });
      case TypeId::kUuid:
        return rc::gen::map(rc::gen::container<std::string>(16, rc::gen::arbitrary<char>()),
                            [type](std::string s) { return Value::String(type, std::move(s)); });
      case TypeId::kInterval:
        return rc::gen::map(rc::gen::container<std::string>(32, rc::gen::arbitrary<char>()),
                            [type](std::string s) { return Value::String(type, std::move(s)); });
      case TypeId::kArray:
        return rc::gen::map(rc::gen::container<std::vector<int>>(rc::gen::inRange(-99, 99)),
                            [type](const std::vector<int>& items) {
                              std::string literal = "{";
                              for (size_t i = 0; i < items.size(); ++i) {
                                absl::StrAppend(&literal, i > 0 ? "," : "", items[i]);
                              }
                              auto array = ParseArrayLiteral(literal + "}", Type(TypeId::kInt4));
                              QUANTA_ASSERT(array.ok());
                              return Value::String(type, *array);
                            });
      case TypeId::kNumeric: {
        auto scale = type.scale();
        if (!scale.has_value()) return rc::gen::map(GenNumeric(), [](Numeric n) { return Value::Num(std::move(n)); });
        return rc::gen::map(rc::gen::arbitrary<int64_t>(), [type, s = *scale](int64_t u) {
          const int64_t limit = s == 2 ? 999999999999999LL : 999999999999999999LL;  // p digits
          return Value::Num(Numeric::FromUnscaled(u % limit, s), type);
        });
      }
      default:
        return rc::gen::map(rc::gen::string<std::string>(), [type](std::string s) { return Value::String(type, s); });
    }
  };
  return rc::gen::weightedOneOf<Value>({{1, rc::gen::just(Value::Null(type))}, {4, value()}});
}

// Whether a and b are the same value, bit for bit (a float's NaN payload and -0 too).
bool Same(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null();
  switch (StorageOf(a.type())) {
    case Storage::kInt: return a.int_value() == b.int_value();
    case Storage::kFloat: {
      const double x = a.float_value(), y = b.float_value();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case Storage::kString: return a.str() == b.str();
    case Storage::kNumeric: return a.numeric().Encode() == b.numeric().Encode();
  }
  return false;
}

// A table: column types, and rows of values (row r holds widths[r] leading columns,
// as rows written before ALTER TABLE ADD COLUMN do).
struct Table {
  std::vector<Type> types;
  std::vector<std::vector<Value>> rows;
};

rc::Gen<Table> GenTable() {
  return rc::gen::mapcat(rc::gen::container<std::vector<Type>>(rc::gen::elementOf(ColumnTypes())),
                         [](std::vector<Type> types) {
                           auto row = rc::gen::mapcat(rc::gen::inRange<size_t>(0, types.size() + 1),
                                                      [types](size_t width) {
                                                        std::vector<rc::Gen<Value>> cells;
                                                        for (size_t c = 0; c < width; ++c) cells.push_back(GenValue(types[c]));
                                                        return rc::gen::exec([cells] {
                                                          std::vector<Value> out;
                                                          for (const auto& g : cells) out.push_back(*g);
                                                          return out;
                                                        });
                                                      });
                           return rc::gen::map(rc::gen::container<std::vector<std::vector<Value>>>(row),
                                               [types](std::vector<std::vector<Value>> rows) {
                                                 return Table{types, std::move(rows)};
                                               });
                         });
}

std::vector<Vector> Vectors(const std::vector<Type>& types, size_t rows) {
  std::vector<Vector> out;
  for (const Type& t : types) out.emplace_back(t, rows);
  return out;
}

// The value row r should read as in column c: NULL past the row's width.
Value Expected(const Table& t, size_t r, size_t c) {
  return c < t.rows[r].size() ? t.rows[r][c] : Value::Null(t.types[c]);
}

RC_GTEST_PROP(RowCodec, RowsRoundTripThroughDecodeRowAndTheBatchDecoder, ()) {
  const Table t = *GenTable();
  std::vector<std::string> encoded;
  for (const auto& row : t.rows) encoded.push_back(EncodeRowValues(row));

  std::vector<Vector> one = Vectors(t.types, t.rows.size());
  RowBatchDecoder batch(t.types.size());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    RC_ASSERT(encoded[r].size() >= RowHeaderBytes(t.rows[r].size()));
    RC_ASSERT(DecodeRow(encoded[r], &one, r).ok());
    RC_ASSERT(batch.Add(encoded[r]).ok());
  }
  RC_ASSERT(batch.size() == t.rows.size());
  std::vector<uint32_t> selection;
  for (uint32_t r = 0; r < t.rows.size(); ++r) {
    if (*rc::gen::arbitrary<bool>()) selection.push_back(r);
  }
  for (size_t c = 0; c < t.types.size(); ++c) {
    Vector all(t.types[c], t.rows.size()), selected(t.types[c], t.rows.size() + 1);
    RC_ASSERT(batch.DecodeColumn(c, nullptr, &all).ok());
    RC_ASSERT(batch.DecodeColumn(c, &selection, &selected, 1).ok());
    size_t next = 0;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const Value want = Expected(t, r, c);
      RC_ASSERT(Same(one[c].Get(r), want));
      RC_ASSERT(Same(all.Get(r), want));
      const bool chosen = next < selection.size() && selection[next] == r;
      next += chosen ? 1 : 0;
      const bool right = chosen ? Same(selected.Get(r + 1), want) : selected.IsNull(r + 1);  // others untouched
      RC_ASSERT(right);
    }
  }
}

RC_GTEST_PROP(RowCodec, DamagedRowsDecodeOrFailWithDataLoss, ()) {
  const Table t = *GenTable();
  RC_PRE(!t.rows.empty());
  std::string bytes = EncodeRowValues(t.rows[0]);
  const bool truncate = *rc::gen::arbitrary<bool>();
  if (truncate) {
    bytes.resize(*rc::gen::inRange<size_t>(0, bytes.size() + 1));
  } else if (!bytes.empty()) {
    bytes[*rc::gen::inRange<size_t>(0, bytes.size())] = *rc::gen::arbitrary<char>();
  }
  std::vector<Vector> out = Vectors(t.types, 1);
  const absl::Status s = DecodeRow(bytes, &out, 0);
  RC_ASSERT(s.ok() || absl::IsDataLoss(s));
  RC_ASSERT(s.message().empty() == s.ok());
}

TEST(RowCodec, ColumnsAreFoundAtFixedSlotsAndSmallDecimalsStayInline) {
  const Type money(TypeId::kNumeric, NumericTypmod(15, 2));
  const std::vector<Value> row = {Value::Int(Type(TypeId::kInt8), 7), Value::Num(Numeric::FromUnscaled(12345, 2), money),
                                  Value::Null(Type(TypeId::kText))};
  const std::string bytes = EncodeRowValues(row);
  EXPECT_EQ(bytes.size(), RowHeaderBytes(3));  // no heap: the decimal is inline
  std::vector<Vector> out = Vectors({Type(TypeId::kInt8), money, Type(TypeId::kText)}, 1);
  ASSERT_TRUE(DecodeRow(bytes, &out, 0).ok());
  EXPECT_TRUE(out[1].decimal());
  EXPECT_EQ(out[1].Unscaled(0), 12345);
  EXPECT_TRUE(out[2].IsNull(0));

  const std::vector<Value> big = {Value::Num(*Numeric::Parse("123456789012345678901234567890.5"))};
  EXPECT_GT(EncodeRowValues(big).size(), RowHeaderBytes(1));  // past 56 bits: in the heap
}

TEST(RowCodec, RefusesRowsWithMoreColumnsThanTheTable) {
  const std::string bytes = EncodeRowValues({Value::Bool(true), Value::Bool(false)});
  RowBatchDecoder decoder(1);
  const absl::Status s = decoder.Add(bytes);
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_EQ(decoder.size(), 0u);
}

}  // namespace
}  // namespace quanta::sql
