// Arithmetic and comparison kernels for integers, floats and numerics, with
// PostgreSQL's overflow and division errors.
#include <cmath>

#include "engine/env/assert.h"
#include "sql/common/sql_error.h"
#include "sql/execution/kernels.h"
#include "sql/types/cast.h"
#include "sql/types/json.h"

namespace quanta::sql {
namespace {

absl::Status DivisionByZero() { return SqlError(sqlstate::kDivisionByZero, "division by zero"); }
absl::Status FloatOverflow() { return SqlError(sqlstate::kNumericOutOfRange, "value out of range: overflow"); }
absl::Status FloatUnderflow() { return SqlError(sqlstate::kNumericOutOfRange, "value out of range: underflow"); }

template <char kOp>
absl::Status IntArith(const BoundExpr& self, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  const Vector& a = *args[0];
  const Vector& b = *args[1];
  const TypeId id = self.type.id;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const int64_t x = a.Int(r), y = b.Int(r);
    int64_t v = 0;
    bool overflow = false;
    if constexpr (kOp == '+') overflow = __builtin_add_overflow(x, y, &v);
    if constexpr (kOp == '-') overflow = __builtin_sub_overflow(x, y, &v);
    if constexpr (kOp == '*') overflow = __builtin_mul_overflow(x, y, &v);
    if constexpr (kOp == '/' || kOp == '%') {
      if (y == 0) return DivisionByZero();
      if (y == -1) {
        overflow = kOp == '/' && __builtin_sub_overflow(int64_t{0}, x, &v);
        if (kOp == '%') v = 0;
      } else {
        v = kOp == '/' ? x / y : x % y;
      }
    }
    if (overflow) return IntOutOfRange(id);
    auto checked = CheckIntRange(v, id);
    if (!checked.ok()) return checked.status();
    out->SetInt(r, v);
    return absl::OkStatus();
  });
}

template <char kOp>
absl::Status FloatArith(const BoundExpr& self, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  const Vector& a = *args[0];
  const Vector& b = *args[1];
  const bool float4 = self.type.id == TypeId::kFloat4;
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    const double x = a.Float(r), y = b.Float(r);
    double v = 0;
    if constexpr (kOp == '+') v = x + y;
    if constexpr (kOp == '-') v = x - y;
    if constexpr (kOp == '*') v = x * y;
    if constexpr (kOp == '/') {
      if (y == 0) return DivisionByZero();
      v = x / y;
    }
    if constexpr (kOp == '^') {
      if (x == 0 && y < 0) {
        return SqlError("2201F", "zero raised to a negative power is undefined");
      }
      if (x < 0 && std::floor(y) != y) {
        return SqlError("2201F", "a negative number raised to a non-integer power yields a complex result");
      }
      v = std::pow(x, y);
    }
    if (float4) v = static_cast<float>(v);
    if (std::isinf(v) && !std::isinf(x) && !std::isinf(y)) return FloatOverflow();
    if (v == 0 && kOp == '*' && x != 0 && y != 0) return FloatUnderflow();
    out->SetFloat(r, v);
    return absl::OkStatus();
  });
}

// 10^k as an int64, k in [0, kMaxDecimalPrecision].
int64_t Pow10(int k) {
  QUANTA_DEBUG_ASSERT(k >= 0 && k <= kMaxDecimalPrecision);
  return static_cast<int64_t>(kPow10Small[k]);
}

// A numeric argument whose values are unscaled int64s at one scale: a decimal vector,
// or a constant that fits.
struct DecimalArg {
  const Vector* vector = nullptr;  // null: the constant
  int64_t constant = 0;
  int scale = 0;
  int64_t At(uint32_t row) const { return vector != nullptr ? vector->Unscaled(row) : constant; }
};

std::optional<DecimalArg> AsDecimal(const Vector& v) {
  if (v.decimal()) return DecimalArg{&v, 0, v.decimal_scale()};
  if (!v.is_constant() || v.IsNull(0)) return std::nullopt;
  const Numeric n = v.Num(0);
  int64_t unscaled = 0;
  if (n.scale() > kMaxDecimalPrecision || !n.SmallUnscaled(&unscaled)) return std::nullopt;
  return DecimalArg{nullptr, unscaled, n.scale()};
}

// x op y at `scale` (x, y already there), false on overflow.
template <char kOp>
bool DecimalOp(int64_t x, int64_t y, int64_t* z) {
  if constexpr (kOp == '+') return !__builtin_add_overflow(x, y, z);
  if constexpr (kOp == '-') return !__builtin_sub_overflow(x, y, z);
  return !__builtin_mul_overflow(x, y, z);
}

// + - * over decimal arguments into a decimal result, with numeric's result scales
// (the larger for + and -, the sum for *). A row whose result overflows int64 is
// computed as Numerics (which leaves decimal mode for the rest of the vector).
// False if the result scale is too large for decimal mode (nothing is written).
template <char kOp>
absl::StatusOr<bool> DecimalArith(const DecimalArg& a, const DecimalArg& b, const std::vector<const Vector*>& args,
                                  const Rows& rows, Vector* out) {
  static_assert(kOp == '+' || kOp == '-' || kOp == '*');
  const int scale = kOp == '*' ? a.scale + b.scale : std::max(a.scale, b.scale);
  if (scale > kMaxDecimalPrecision) return false;
  const int64_t fa = kOp == '*' ? 1 : Pow10(scale - a.scale), fb = kOp == '*' ? 1 : Pow10(scale - b.scale);
  out->MakeDecimal(scale);
  absl::Status s = ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    int64_t x = 0, y = 0, z = 0;
    const bool fits = !__builtin_mul_overflow(a.At(r), fa, &x) && !__builtin_mul_overflow(b.At(r), fb, &y) &&
                      DecimalOp<kOp>(x, y, &z);
    if (fits && out->decimal()) {
      out->SetUnscaled(r, z);
      return absl::OkStatus();
    }
    const Numeric na = Numeric::FromUnscaled(a.At(r), a.scale), nb = Numeric::FromUnscaled(b.At(r), b.scale);
    absl::StatusOr<Numeric> v = kOp == '+' ? na.Add(nb) : kOp == '-' ? na.Sub(nb) : na.Mul(nb);
    if (!v.ok()) return v.status();
    out->SetNum(r, *std::move(v));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return true;
}

template <char kOp>
absl::Status NumericArith(const BoundExpr& self, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  const Vector& a = *args[0];
  const Vector& b = *args[1];
  if constexpr (kOp == '+' || kOp == '-' || kOp == '*') {
    const std::optional<DecimalArg> da = AsDecimal(a), db = AsDecimal(b);
    if (da && db && !out->is_constant()) {
      auto done = DecimalArith<kOp>(*da, *db, args, rows, out);
      if (!done.ok()) return done.status();
      if (*done) return absl::OkStatus();
    }
  }
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    absl::StatusOr<Numeric> v;
    if constexpr (kOp == '+') v = a.Num(r).Add(b.Num(r));
    if constexpr (kOp == '-') v = a.Num(r).Sub(b.Num(r));
    if constexpr (kOp == '*') v = a.Num(r).Mul(b.Num(r));
    if constexpr (kOp == '/') v = a.Num(r).Div(b.Num(r));
    if constexpr (kOp == '%') v = a.Num(r).Mod(b.Num(r));
    if constexpr (kOp == '^') {
      return SqlError(sqlstate::kFeatureNotSupported, "numeric ^ numeric is not supported yet");
    }
    if (!v.ok()) return v.status();
    out->SetNum(r, std::move(*v));
    return absl::OkStatus();
  });
}

absl::Status IntNegate(const BoundExpr& self, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) -> absl::Status {
    int64_t v = 0;
    if (__builtin_sub_overflow(int64_t{0}, args[0]->Int(r), &v)) return IntOutOfRange(self.type.id);
    auto checked = CheckIntRange(v, self.type.id);
    if (!checked.ok()) return checked.status();
    out->SetInt(r, v);
    return absl::OkStatus();
  });
}

absl::Status FloatNegate(const BoundExpr&, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetFloat(r, -args[0]->Float(r));
    return absl::OkStatus();
  });
}

absl::Status NumericNegate(const BoundExpr&, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  return ForStrictRows(args, rows, [&](uint32_t r) {
    out->SetNum(r, args[0]->Num(r).Negate());
    return absl::OkStatus();
  });
}

// Row `ra` of `a` against row `rb` of `b`, numerics both: as integers when both are
// decimal (aligned in 128 bits, which holds any int64 × 10^18), else as Numerics.
int CompareDecimals(const DecimalArg& a, uint32_t ra, const DecimalArg& b, uint32_t rb) {
  const int scale = std::max(a.scale, b.scale);
  const __int128 x = static_cast<__int128>(a.At(ra)) * Pow10(scale - a.scale);
  const __int128 y = static_cast<__int128>(b.At(rb)) * Pow10(scale - b.scale);
  return x < y ? -1 : (x > y ? 1 : 0);
}

int CompareNumerics(const Vector& a, size_t ra, const Vector& b, size_t rb) {
  if (a.decimal() && b.decimal()) {
    return CompareDecimals(DecimalArg{&a, 0, a.decimal_scale()}, static_cast<uint32_t>(ra), DecimalArg{&b, 0, b.decimal_scale()},
                           static_cast<uint32_t>(rb));
  }
  return a.Num(ra).Compare(b.Num(rb));
}

// PostgreSQL orders NaN above every other float and equal to itself.
int CompareFloat(double x, double y) {
  const bool xn = std::isnan(x), yn = std::isnan(y);
  if (xn || yn) return xn == yn ? 0 : (xn ? 1 : -1);
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::string_view Unpadded(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

template <int kOp>  // 0 =, 1 <>, 2 <, 3 <=, 4 >, 5 >=
bool Holds(int c) {
  if constexpr (kOp == 0) return c == 0;
  if constexpr (kOp == 1) return c != 0;
  if constexpr (kOp == 2) return c < 0;
  if constexpr (kOp == 3) return c <= 0;
  if constexpr (kOp == 4) return c > 0;
  return c >= 0;
}

template <int kOp, Storage kStorage, bool kPadded>
absl::Status Compare(const BoundExpr&, const std::vector<const Vector*>& args, const Rows& rows, Vector* out) {
  const Vector& a = *args[0];
  const Vector& b = *args[1];
  std::optional<DecimalArg> da, db;  // numerics as integers, when both are
  if constexpr (kStorage == Storage::kNumeric) {
    da = AsDecimal(a);
    db = AsDecimal(b);
    if (!da || !db) da = db = std::nullopt;
  }
  for (size_t k = 0; k < rows.size(); ++k) {
    const uint32_t r = rows[k];
    if (a.IsNull(r) || b.IsNull(r)) continue;
    int c = 0;
    if constexpr (kStorage == Storage::kInt) c = a.Int(r) < b.Int(r) ? -1 : (a.Int(r) > b.Int(r) ? 1 : 0);
    if constexpr (kStorage == Storage::kFloat) c = CompareFloat(a.Float(r), b.Float(r));
    if constexpr (kStorage == Storage::kNumeric) c = da ? CompareDecimals(*da, r, *db, r) : a.Num(r).Compare(b.Num(r));
    if constexpr (kStorage == Storage::kString) {
      if constexpr (kPadded) {
        c = Unpadded(a.Str(r)).compare(Unpadded(b.Str(r)));
      } else {
        c = a.Str(r).compare(b.Str(r));
      }
    }
    out->SetInt(r, Holds<kOp>(c));
  }
  return absl::OkStatus();
}

template <int kOp>
ScalarKernel CompareFor(Storage storage, bool padded) {
  switch (storage) {
    case Storage::kInt: return &Compare<kOp, Storage::kInt, false>;
    case Storage::kFloat: return &Compare<kOp, Storage::kFloat, false>;
    case Storage::kNumeric: return &Compare<kOp, Storage::kNumeric, false>;
    case Storage::kString: return padded ? &Compare<kOp, Storage::kString, true> : &Compare<kOp, Storage::kString, false>;
  }
  return nullptr;
}

template <char kOp>
ScalarKernel ArithFor(Storage storage) {
  switch (storage) {
    case Storage::kInt: return kOp == '^' ? nullptr : &IntArith<kOp>;
    case Storage::kFloat: return kOp == '%' ? nullptr : &FloatArith<kOp>;
    case Storage::kNumeric: return &NumericArith<kOp>;
    case Storage::kString: return nullptr;
  }
  return nullptr;
}

}  // namespace

ScalarKernel ArithmeticKernel(char op, Storage storage) {
  switch (op) {
    case '+': return ArithFor<'+'>(storage);
    case '-': return ArithFor<'-'>(storage);
    case '*': return ArithFor<'*'>(storage);
    case '/': return ArithFor<'/'>(storage);
    case '%': return ArithFor<'%'>(storage);
    case '^': return ArithFor<'^'>(storage);
    default: return nullptr;
  }
}

ScalarKernel NegateKernel(Storage storage) {
  switch (storage) {
    case Storage::kInt: return &IntNegate;
    case Storage::kFloat: return &FloatNegate;
    case Storage::kNumeric: return &NumericNegate;
    case Storage::kString: return nullptr;
  }
  return nullptr;
}

ScalarKernel CompareKernel(std::string_view op, Storage storage, bool padded) {
  if (op == "=") return CompareFor<0>(storage, padded);
  if (op == "<>") return CompareFor<1>(storage, padded);
  if (op == "<") return CompareFor<2>(storage, padded);
  if (op == "<=") return CompareFor<3>(storage, padded);
  if (op == ">") return CompareFor<4>(storage, padded);
  if (op == ">=") return CompareFor<5>(storage, padded);
  return nullptr;
}

bool CompareHolds(std::string_view op, int c) {
  if (op == "=") return c == 0;
  if (op == "<>") return c != 0;
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  QUANTA_ASSERT(op == ">=");
  return c >= 0;
}

int CompareValues(const Vector& a, size_t ra, const Vector& b, size_t rb, bool padded) {
  QUANTA_ASSERT(a.storage() == b.storage());
  switch (a.storage()) {
    case Storage::kInt: return a.Int(ra) < b.Int(rb) ? -1 : (a.Int(ra) > b.Int(rb) ? 1 : 0);
    case Storage::kFloat: return CompareFloat(a.Float(ra), b.Float(rb));
    case Storage::kNumeric: return CompareNumerics(a, ra, b, rb);
    case Storage::kString: {
      if (a.type().id == TypeId::kJsonb && b.type().id == TypeId::kJsonb) {
        auto c = JsonbCompare(a.Str(ra), b.Str(rb));  // stored jsonb text is valid
        QUANTA_ASSERT(c.ok());
        return *c < 0 ? -1 : (*c > 0 ? 1 : 0);
      }
      const int c = padded ? Unpadded(a.Str(ra)).compare(Unpadded(b.Str(rb))) : a.Str(ra).compare(b.Str(rb));
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  return 0;
}

}  // namespace quanta::sql
