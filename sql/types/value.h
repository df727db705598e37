// Value: one SQL datum with its type: constants, parameters, rows outside vectors.
//
// Storage by type: booleans, integers (int2/int4/int8/oid), dates and times in `i`;
// float4/float8 in `f` (float4 kept rounded to float); text, varchar, char, bytea,
// json and uuid bytes in `s`; numeric in `n`. A NULL has a type too (NULL::int).
#pragma once

#include <cstdint>
#include <string>

#include "sql/types/numeric.h"
#include "sql/types/type.h"

namespace quanta::sql {

// Where values of a type live in a Value or a Vector.
enum class Storage : uint8_t { kInt, kFloat, kString, kNumeric };
Storage StorageOf(const Type& type);

class Value {
 public:
  Value() = default;  // NULL of unknown type
  static Value Null(Type type) {
    Value v;
    v.type_ = type;
    return v;
  }
  static Value Bool(bool b) { return Int(Type(TypeId::kBool), b ? 1 : 0); }
  static Value Int(Type type, int64_t i) {
    Value v;
    v.type_ = type;
    v.null_ = false;
    v.i_ = i;
    return v;
  }
  static Value Float(Type type, double f) {
    Value v;
    v.type_ = type;
    v.null_ = false;
    v.f_ = f;
    return v;
  }
  static Value String(Type type, std::string s) {
    Value v;
    v.type_ = type;
    v.null_ = false;
    v.s_ = std::move(s);
    return v;
  }
  static Value Num(Numeric n, Type type = Type(TypeId::kNumeric)) {
    Value v;
    v.type_ = type;
    v.null_ = false;
    v.n_ = std::move(n);
    return v;
  }

  const Type& type() const { return type_; }
  void set_type(Type t) { type_ = t; }
  bool is_null() const { return null_; }
  bool bool_value() const { return i_ != 0; }
  int64_t int_value() const { return i_; }
  double float_value() const { return f_; }
  const std::string& str() const { return s_; }
  const Numeric& numeric() const { return n_; }

 private:
  Type type_;
  bool null_ = true;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  Numeric n_;
};

}  // namespace quanta::sql
