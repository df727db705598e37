#include "sql/types/value.h"

#include "engine/env/assert.h"

namespace quanta::sql {

Storage StorageOf(const Type& type) {
  if (type.id == TypeId::kNumeric) return Storage::kNumeric;
  switch (type.physical()) {
    case PhysicalType::kBool:
    case PhysicalType::kInt16:
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return Storage::kInt;
    case PhysicalType::kFloat32:
    case PhysicalType::kFloat64:
      return Storage::kFloat;
    case PhysicalType::kString:
    case PhysicalType::kInterval:
      return Storage::kString;
  }
  QUANTA_UNREACHABLE("physical type");
}

}  // namespace quanta::sql
