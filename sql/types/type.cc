#include "sql/types/type.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"

namespace quanta::sql {
namespace {

struct TypeInfo {
  TypeId id;
  const char* typname;
  const char* format_name;
  PhysicalType physical;
  TypeCategory category;
  int16_t typlen;
  uint32_t array_oid;
};

constexpr std::array<TypeInfo, 21> kTypes = {{
    {TypeId::kBool, "bool", "boolean", PhysicalType::kBool, TypeCategory::kBoolean, 1, 1000},
    {TypeId::kBytea, "bytea", "bytea", PhysicalType::kString, TypeCategory::kUserDefined, -1, 1001},
    {TypeId::kInt8, "int8", "bigint", PhysicalType::kInt64, TypeCategory::kNumeric, 8, 1016},
    {TypeId::kInt2, "int2", "smallint", PhysicalType::kInt16, TypeCategory::kNumeric, 2, 1005},
    {TypeId::kInt4, "int4", "integer", PhysicalType::kInt32, TypeCategory::kNumeric, 4, 1007},
    {TypeId::kText, "text", "text", PhysicalType::kString, TypeCategory::kString, -1, 1009},
    {TypeId::kOid, "oid", "oid", PhysicalType::kInt64, TypeCategory::kNumeric, 4, 1028},
    {TypeId::kJson, "json", "json", PhysicalType::kString, TypeCategory::kUserDefined, -1, 199},
    {TypeId::kFloat4, "float4", "real", PhysicalType::kFloat32, TypeCategory::kNumeric, 4, 1021},
    {TypeId::kFloat8, "float8", "double precision", PhysicalType::kFloat64, TypeCategory::kNumeric, 8, 1022},
    {TypeId::kUnknown, "unknown", "unknown", PhysicalType::kString, TypeCategory::kUnknown, -2, 0},
    {TypeId::kBpchar, "bpchar", "character", PhysicalType::kString, TypeCategory::kString, -1, 1014},
    {TypeId::kVarchar, "varchar", "character varying", PhysicalType::kString, TypeCategory::kString, -1, 1015},
    {TypeId::kDate, "date", "date", PhysicalType::kInt32, TypeCategory::kDateTime, 4, 1182},
    {TypeId::kTime, "time", "time without time zone", PhysicalType::kInt64, TypeCategory::kDateTime, 8, 1183},
    {TypeId::kTimestamp, "timestamp", "timestamp without time zone", PhysicalType::kInt64, TypeCategory::kDateTime, 8, 1115},
    {TypeId::kTimestampTz, "timestamptz", "timestamp with time zone", PhysicalType::kInt64, TypeCategory::kDateTime, 8, 1185},
    {TypeId::kInterval, "interval", "interval", PhysicalType::kInterval, TypeCategory::kTimespan, 16, 1187},
    {TypeId::kNumeric, "numeric", "numeric", PhysicalType::kString, TypeCategory::kNumeric, -1, 1231},
    {TypeId::kUuid, "uuid", "uuid", PhysicalType::kString, TypeCategory::kUserDefined, 16, 2951},
    {TypeId::kJsonb, "jsonb", "jsonb", PhysicalType::kString, TypeCategory::kUserDefined, -1, 3807},
}};

const TypeInfo& Info(TypeId id) {
  for (const TypeInfo& info : kTypes) {
    if (info.id == id) return info;
  }
  QUANTA_UNREACHABLE("type without an entry in kTypes");
}

constexpr std::pair<std::string_view, TypeId> kAliases[] = {
    {"bool", TypeId::kBool},          {"boolean", TypeId::kBool},        {"bytea", TypeId::kBytea},
    {"int8", TypeId::kInt8},          {"bigint", TypeId::kInt8},         {"int2", TypeId::kInt2},
    {"smallint", TypeId::kInt2},      {"int4", TypeId::kInt4},           {"int", TypeId::kInt4},
    {"integer", TypeId::kInt4},       {"text", TypeId::kText},           {"oid", TypeId::kOid},
    {"json", TypeId::kJson},          {"float4", TypeId::kFloat4},       {"real", TypeId::kFloat4},
    {"float8", TypeId::kFloat8},      {"double precision", TypeId::kFloat8}, {"float", TypeId::kFloat8},
    {"bpchar", TypeId::kBpchar},      {"varchar", TypeId::kVarchar},     {"date", TypeId::kDate},
    {"time", TypeId::kTime},          {"timestamp", TypeId::kTimestamp}, {"timestamptz", TypeId::kTimestampTz},
    {"interval", TypeId::kInterval},   {"numeric", TypeId::kNumeric},
    {"decimal", TypeId::kNumeric},    {"uuid", TypeId::kUuid},           {"jsonb", TypeId::kJsonb},
    {"unknown", TypeId::kUnknown},    {"name", TypeId::kText},           {"serial", TypeId::kInt4},
    {"serial4", TypeId::kInt4},       {"bigserial", TypeId::kInt8},      {"serial8", TypeId::kInt8},
    {"smallserial", TypeId::kInt2},   {"serial2", TypeId::kInt2},
};

}  // namespace

uint32_t Type::oid() const {
  if (id == TypeId::kArray) return ArrayOid(element).value_or(0);
  return static_cast<uint32_t>(id);
}

PhysicalType Type::physical() const {
  if (id == TypeId::kArray) return PhysicalType::kString;  // encoded arrays
  return Info(id).physical;
}

TypeCategory Type::category() const {
  if (id == TypeId::kArray) return TypeCategory::kArray;
  return Info(id).category;
}

std::optional<int32_t> Type::max_length() const {
  if ((id != TypeId::kVarchar && id != TypeId::kBpchar) || typmod < 4) return std::nullopt;
  return typmod - 4;
}
std::optional<int32_t> Type::precision() const {
  if (id != TypeId::kNumeric || typmod < 4) return std::nullopt;
  return ((typmod - 4) >> 16) & 0xFFFF;
}
std::optional<int32_t> Type::scale() const {
  if (id != TypeId::kNumeric || typmod < 4) return std::nullopt;
  return (typmod - 4) & 0xFFFF;
}

std::string Type::Name() const {
  if (id == TypeId::kArray) return absl::StrCat(Type(element).Name(), "[]");
  std::string name = Info(id).format_name;
  if (auto n = max_length()) return absl::StrCat(name, "(", *n, ")");
  if (auto p = precision()) return absl::StrCat(name, "(", *p, ",", *scale(), ")");
  const bool timed = id == TypeId::kTime || id == TypeId::kTimestamp || id == TypeId::kTimestampTz;
  if (timed && typmod >= 0) {  // "timestamp(3) without time zone"
    const size_t space = name.find(' ');
    return absl::StrCat(name.substr(0, space), "(", typmod, ")", space == std::string::npos ? "" : name.substr(space));
  }
  return name;
}

std::string Type::TypName() const {
  if (id == TypeId::kArray) return absl::StrCat("_", Type(element).TypName());
  return Info(id).typname;
}

int16_t Type::TypLen() const {
  if (id == TypeId::kArray) return -1;
  return Info(id).typlen;
}

std::optional<Type> LookupType(std::string_view name) {
  for (const auto& [alias, id] : kAliases) {
    if (alias == name) return Type(id);
  }
  return std::nullopt;
}

std::optional<std::string> ApplyTypmods(Type* type, const int64_t* mods, size_t count) {
  if (count == 0) {
    if (type->id == TypeId::kBpchar) type->typmod = 1 + 4;  // char = char(1)
    return std::nullopt;
  }
  if (type->id == TypeId::kVarchar || type->id == TypeId::kBpchar) {
    if (count != 1) return std::string("invalid type modifier");
    const char* what = type->id == TypeId::kVarchar ? "varchar" : "char";
    if (mods[0] < 1) return absl::StrCat("length for type ", what, " must be at least 1");
    if (mods[0] > 10485760) return absl::StrCat("length for type ", what, " cannot exceed 10485760");
    type->typmod = static_cast<int32_t>(mods[0]) + 4;
    return std::nullopt;
  }
  if (type->id == TypeId::kNumeric) {
    if (count > 2) return std::string("invalid NUMERIC type modifier");
    const int64_t precision = mods[0];
    const int64_t scale = count == 2 ? mods[1] : 0;
    if (precision < 1 || precision > 1000) {
      return absl::StrCat("NUMERIC precision ", precision, " must be between 1 and 1000");
    }
    if (scale < 0 || scale > precision) {
      return absl::StrCat("NUMERIC scale ", scale, " must be between 0 and precision ", precision);
    }
    type->typmod = static_cast<int32_t>((precision << 16) | scale) + 4;
    return std::nullopt;
  }
  if (type->id == TypeId::kFloat8 && count == 1) {  // float(p): real up to 24 bits
    if (mods[0] < 1) return std::string("precision for type float must be at least 1 bit");
    if (mods[0] > 53) return std::string("precision for type float must be less than 54 bits");
    if (mods[0] <= 24) type->id = TypeId::kFloat4;
    return std::nullopt;
  }
  if ((type->id == TypeId::kTimestamp || type->id == TypeId::kTimestampTz || type->id == TypeId::kTime) && count == 1) {
    const char* name = type->id == TypeId::kTime ? "TIME" : type->id == TypeId::kTimestamp ? "TIMESTAMP" : "TIMESTAMP WITH TIME ZONE";
    if (mods[0] < 0) return absl::StrCat(name, "(", mods[0], ") precision must not be negative");
    type->typmod = static_cast<int32_t>(std::min<int64_t>(mods[0], 6));  // fractional-second digits kept
    return std::nullopt;
  }
  return absl::StrCat("type modifier is not allowed for type \"", type->TypName(), "\"");
}

int NumericRank(TypeId id) {
  switch (id) {
    case TypeId::kInt2: return 1;
    case TypeId::kInt4: return 2;
    case TypeId::kOid: return 2;
    case TypeId::kInt8: return 3;
    case TypeId::kNumeric: return 4;
    case TypeId::kFloat4: return 5;
    case TypeId::kFloat8: return 6;
    default: return 0;
  }
}

std::optional<uint32_t> ArrayOid(TypeId element) {
  if (element == TypeId::kArray || element == TypeId::kUnknown) return std::nullopt;
  return Info(element).array_oid;
}

}  // namespace quanta::sql
