// Ordered keys and arrays: random values round-trip through their encodings, and the
// memcmp order of encodings is the SQL order of the values (the property indexes and
// array comparisons rely on).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "sql/types/array.h"
#include "sql/types/cast.h"
#include "sql/types/ordered_key.h"

namespace quanta::sql {
namespace {

rc::Gen<Value> GenInt() {
  return rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t i) { return Value::Int(Type(TypeId::kInt8), i); });
}

rc::Gen<Value> GenText() {
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab\0\xff z", 6))),
                      [](std::string s) { return Value::String(Type(TypeId::kText), std::move(s)); });
}

rc::Gen<Value> GenNumeric() {
  return rc::gen::map(rc::gen::tuple(rc::gen::inRange<int64_t>(-100000, 100000), rc::gen::inRange(0, 6)),
                      [](std::tuple<int64_t, int> t) {
                        const Numeric n = Numeric::FromInt64(std::get<0>(t));
                        auto scaled = n.Div(Numeric::FromInt64(1000));
                        return Value::Num(scaled->Round(std::get<1>(t)));
                      });
}

int Sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

int CompareSql(const Value& a, const Value& b) {
  switch (StorageOf(a.type())) {
    case Storage::kInt: return a.int_value() < b.int_value() ? -1 : a.int_value() > b.int_value();
    case Storage::kString: return Sign(a.str().compare(b.str()));
    case Storage::kNumeric: return a.numeric().Compare(b.numeric());
    case Storage::kFloat: break;
  }
  return 0;
}

int CompareKeys(const Value& a, const Value& b) {
  std::string ka, kb;
  AppendOrderedKey(a, &ka);
  AppendOrderedKey(b, &kb);
  return Sign(ka.compare(kb));
}

void CheckRoundTrip(const Value& v) {
  std::string key;
  AppendOrderedKey(v, &key);
  key += "trailing";  // self-delimiting: what follows is not read
  std::string_view in = key;
  auto back = DecodeOrderedKey(&in, v.type());
  RC_ASSERT(back.ok());
  RC_ASSERT(in == "trailing");
  RC_ASSERT(CompareSql(*back, v) == 0);
}

RC_GTEST_PROP(OrderedKeyTest, IntegersRoundTripAndOrder, ()) {
  const Value a = *GenInt(), b = *GenInt();
  CheckRoundTrip(a);
  RC_ASSERT(CompareKeys(a, b) == CompareSql(a, b));
}

RC_GTEST_PROP(OrderedKeyTest, StringsRoundTripAndOrder, ()) {
  const Value a = *GenText(), b = *GenText();
  CheckRoundTrip(a);
  RC_ASSERT(CompareKeys(a, b) == CompareSql(a, b));
}

RC_GTEST_PROP(OrderedKeyTest, NumericsRoundTripAndOrder, ()) {
  const Value a = *GenNumeric(), b = *GenNumeric();
  CheckRoundTrip(a);
  RC_ASSERT(CompareKeys(a, b) == CompareSql(a, b));
}

// Array order: element by element (NULLs after values), then the shorter first.
int CompareArrays(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].is_null() || b[i].is_null()) {
      if (a[i].is_null() != b[i].is_null()) return a[i].is_null() ? 1 : -1;
      continue;
    }
    const int c = CompareSql(a[i], b[i]);
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size();
}

rc::Gen<std::vector<Value>> GenIntArray() {
  const auto element = rc::gen::weightedOneOf<Value>(
      {{1, rc::gen::just(Value::Null(Type(TypeId::kInt8)))}, {5, rc::gen::map(rc::gen::inRange<int64_t>(-3, 4), [](int64_t i) {
          return Value::Int(Type(TypeId::kInt8), i);
        })}});
  return rc::gen::container<std::vector<Value>>(element);
}

RC_GTEST_PROP(ArrayTest, EncodingsRoundTripAndOrderAsPostgreSQL, ()) {
  const std::vector<Value> a = *GenIntArray(), b = *GenIntArray();
  const std::string ea = EncodeArray(a), eb = EncodeArray(b);
  RC_ASSERT(ValidateArray(ea, Type(TypeId::kInt8)).ok());
  const std::vector<Value> back = DecodeArray(ea, Type(TypeId::kInt8));
  RC_ASSERT(CompareArrays(back, a) == 0);
  RC_ASSERT(back.size() == a.size());
  RC_ASSERT(Sign(ea.compare(eb)) == CompareArrays(a, b));
}

RC_GTEST_PROP(ArrayTest, TextOutputParsesBack, ()) {
  const std::vector<Value> a = *rc::gen::container<std::vector<Value>>(GenText());
  const std::string encoded = EncodeArray(a);
  const std::string text = FormatArray(encoded, Type(TypeId::kText));
  auto parsed = ParseArrayLiteral(text, Type(TypeId::kText));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == encoded);
}

TEST(ArrayTest, NumericElementsKeepTheirScale) {
  auto parsed = ParseArrayLiteral("{1.50,-2,NULL,0.000}", Type(TypeId::kNumeric));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(FormatArray(*parsed, Type(TypeId::kNumeric)), "{1.50,-2,NULL,0.000}");
}

TEST(ArrayTest, DamagedEncodingsAreDataLoss) {
  const std::string good = EncodeArray({Value::String(Type(TypeId::kText), "abc")});
  for (size_t cut = 1; cut < good.size(); ++cut) {
    EXPECT_TRUE(absl::IsDataLoss(ValidateArray(good.substr(0, cut), Type(TypeId::kText)))) << cut;
  }
  EXPECT_TRUE(absl::IsDataLoss(ValidateArray("\x07", Type(TypeId::kInt4))));
}

}  // namespace
}  // namespace quanta::sql
