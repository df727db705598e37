// Math kernels: abs, sign, round, trunc, ceil, floor, sqrt, power, greatest, least.
#include <algorithm>
#include <cmath>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/types/cast.h"

namespace quanta::sql {
namespace {

using Args = std::vector<const Vector*>;

absl::Status IntAbs(const BoundExpr& self, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t v = args[0]->Int(r);
    if (v == INT64_MIN) return IntOutOfRange(self.type.id);
    auto checked = CheckIntRange(v < 0 ? -v : v, self.type.id);
    if (!checked.ok()) return checked.status();
    out->SetInt(r, *checked);
    return absl::OkStatus();
  });
}

template <double (*F)(double)>
absl::Status FloatMap(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetFloat(r, F(args[0]->Float(r)));
    return absl::OkStatus();
  });
}

double Sign(double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }
double RoundHalfEven(double v) { return std::nearbyint(v); }

absl::Status Sqrt(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const double v = args[0]->Float(r);
    if (v < 0) return SqlError("2201F", "cannot take square root of a negative number");
    out->SetFloat(r, std::sqrt(v));
    return absl::OkStatus();
  });
}

enum class NumericOp { kAbs, kSign, kRound, kTrunc, kCeil, kFloor };

template <NumericOp kOp>
absl::Status NumericMap(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const Numeric& n = args[0]->Num(r);
    const int digits = args.size() > 1 ? static_cast<int>(std::clamp<int64_t>(args[1]->Int(r), -Numeric::kMaxScale, Numeric::kMaxScale)) : 0;
    Numeric v;
    switch (kOp) {
      case NumericOp::kAbs: v = n.Abs(); break;
      case NumericOp::kSign: v = n.is_zero() ? Numeric() : Numeric::FromInt64(n.negative() ? -1 : 1); break;
      case NumericOp::kRound: v = n.Round(digits); break;
      case NumericOp::kTrunc: v = n.Round(digits, /*truncate=*/true); break;
      case NumericOp::kCeil:
      case NumericOp::kFloor: {
        const Numeric t = n.Round(0, true);
        const bool up = kOp == NumericOp::kCeil;
        const bool adjust = t.Compare(n) != 0 && (up ? !n.negative() : n.negative());
        v = adjust ? *t.Add(Numeric::FromInt64(up ? 1 : -1)) : t;
        break;
      }
    }
    out->SetNum(r, std::move(v));
    return absl::OkStatus();
  });
}

template <bool kGreatest>
absl::Status Extreme(const BoundExpr&, const Args& args, const Rows& rows, Vector* out) {
  const bool padded = out->type().id == TypeId::kBpchar;
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    const Vector* best = nullptr;
    for (const Vector* a : args) {
      if (a->IsNull(r)) continue;
      if (best == nullptr) {
        best = a;
        continue;
      }
      const int c = CompareValues(*a, r, *best, r, padded);
      if (kGreatest ? c > 0 : c < 0) best = a;
    }
    if (best != nullptr) out->CopyRow(*best, r, r);
  }
  return absl::OkStatus();
}

}  // namespace

ScalarKernel MathFunctionKernel(std::string_view name, Storage storage) {
  if (name == "greatest") return &Extreme<true>;
  if (name == "least") return &Extreme<false>;
  if (storage == Storage::kInt) {
    if (name == "abs") return &IntAbs;
    return nullptr;
  }
  if (storage == Storage::kFloat) {
    if (name == "abs") return &FloatMap<std::fabs>;
    if (name == "sign") return &FloatMap<Sign>;
    if (name == "round") return &FloatMap<RoundHalfEven>;
    if (name == "trunc") return &FloatMap<std::trunc>;
    if (name == "ceil" || name == "ceiling") return &FloatMap<std::ceil>;
    if (name == "floor") return &FloatMap<std::floor>;
    if (name == "sqrt") return &Sqrt;
    if (name == "exp") return &FloatMap<std::exp>;
    return nullptr;
  }
  if (storage == Storage::kNumeric) {
    if (name == "abs") return &NumericMap<NumericOp::kAbs>;
    if (name == "sign") return &NumericMap<NumericOp::kSign>;
    if (name == "round") return &NumericMap<NumericOp::kRound>;
    if (name == "trunc") return &NumericMap<NumericOp::kTrunc>;
    if (name == "ceil" || name == "ceiling") return &NumericMap<NumericOp::kCeil>;
    if (name == "floor") return &NumericMap<NumericOp::kFloor>;
  }
  return nullptr;
}

}  // namespace quanta::sql
