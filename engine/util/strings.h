// Conversions between std::string_view and absl::string_view.
//
// Debian's Abseil 20220623 builds absl::string_view as its own type, not an alias of
// std::string_view, and neither converts to the other implicitly. QuantaDB's own
// interfaces use std::string_view; Abseil's string utilities (StrCat, StrSplit,
// SimpleAtoi) take absl::string_view. Convert explicitly at that seam with these.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace quanta {

inline absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace quanta
