// SQL types: PostgreSQL's type OIDs (clients depend on them), type modifiers
// (varchar(n), numeric(p,s)), and how each type is laid out in a column vector.
//
// A Type is a value: its id (the PostgreSQL OID), its typmod as PostgreSQL encodes it
// (-1: none; varchar(n): n + 4; numeric(p,s): ((p << 16) | s) + 4), and for arrays the
// element type's id. kUnknown is the type of an untyped string literal until context
// decides it ('1' + 1 is an integer addition), as in PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quanta::sql {

enum class TypeId : uint32_t {
  kBool = 16,
  kBytea = 17,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kOid = 26,
  kJson = 114,
  kFloat4 = 700,
  kFloat8 = 701,
  kUnknown = 705,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestampTz = 1184,
  kInterval = 1186,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
  kArray = 1,  // an array; Type::element names the element type (its OID: array_oid())
};

// How values of a type sit in a vector.
enum class PhysicalType : uint8_t { kBool, kInt16, kInt32, kInt64, kFloat32, kFloat64, kString, kInterval };

// PostgreSQL's type categories (pg_type.typcategory), which drive implicit coercion.
enum class TypeCategory : uint8_t { kBoolean, kNumeric, kString, kDateTime, kTimespan, kUserDefined, kArray, kUnknown };

struct Type {
  TypeId id = TypeId::kUnknown;
  int32_t typmod = -1;
  TypeId element = TypeId::kUnknown;  // kArray only

  Type() = default;
  explicit Type(TypeId i, int32_t mod = -1) : id(i), typmod(mod) {}
  static Type Array(TypeId element) {
    Type t(TypeId::kArray);
    t.element = element;
    return t;
  }
  bool operator==(const Type& o) const { return id == o.id && typmod == o.typmod && element == o.element; }
  bool SameBase(const Type& o) const { return id == o.id && element == o.element; }

  uint32_t oid() const;            // what clients see (arrays: the array type's OID)
  PhysicalType physical() const;
  TypeCategory category() const;
  bool is_integer() const { return id == TypeId::kInt2 || id == TypeId::kInt4 || id == TypeId::kInt8; }
  bool is_float() const { return id == TypeId::kFloat4 || id == TypeId::kFloat8; }
  bool is_numeric_category() const { return category() == TypeCategory::kNumeric; }
  bool is_string() const { return category() == TypeCategory::kString; }
  // varchar(n)/char(n): n; numeric(p,s): p and s. Unset without a typmod.
  std::optional<int32_t> max_length() const;
  std::optional<int32_t> precision() const;
  std::optional<int32_t> scale() const;
  // PostgreSQL's format_type: "integer", "character varying(20)", "numeric(10,2)", "text[]".
  std::string Name() const;
  // The pg_type.typname: "int4", "varchar", "_int4".
  std::string TypName() const;
  // Bytes per value (pg_type.typlen): -1 for variable length.
  int16_t TypLen() const;
};

// Resolves a type name as written ("int", "integer", "int4", "varchar", "double
// precision", "timestamptz"...) with its modifiers; nullopt if unknown. The caller
// validates the modifiers (ValidateTypmods).
std::optional<Type> LookupType(std::string_view name);
// Applies typmods to `type` (varchar(n), char(n), numeric(p[,s])); an error message
// naming the problem if they are invalid for it.
std::optional<std::string> ApplyTypmods(Type* type, const int64_t* mods, size_t count);

// Rank in the numeric tower implicit casts climb: int2 (1) < int4, oid (2) < int8 (3) <
// numeric (4) < float4 (5) < float8 (6); 0 for non-numeric types.
int NumericRank(TypeId id);

// The type of an array of `element` values; nullopt if arrays of it are unsupported.
std::optional<uint32_t> ArrayOid(TypeId element);

}  // namespace quanta::sql
