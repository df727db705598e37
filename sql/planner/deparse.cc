#include "sql/planner/deparse.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/env/assert.h"
#include "sql/types/cast.h"

namespace quanta::sql {
namespace {

bool IsOperatorName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (std::string_view("+-*/<>=~!@#%^&|`?").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// LIKE and friends print as PostgreSQL's operators for them.
std::string OperatorFor(const std::string& name) {
  if (name == "like") return "~~";
  if (name == "ilike") return "~~*";
  if (name == "similar") return "~";
  return name;
}

std::string Quoted(const std::string& text) { return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'"); }

// A constant as ruleutils prints one: integers, numerics and booleans bare when
// non-negative (they read back as their type), everything else 'text'::type.
std::string Constant(const Value& v, const Type& type) {
  if (v.is_null()) return absl::StrCat("NULL::", type.Name());
  const std::string text = FormatValue(v);
  switch (type.id) {
    case TypeId::kInt4:
    case TypeId::kInt8:  // (an integer literal the binder widened: PostgreSQL's stays int4, bare)
    case TypeId::kNumeric:
      if (!text.empty() && text[0] != '-' && text != "NaN") return text;
      break;
    case TypeId::kBool:
      return text == "t" ? "true" : "false";
    default:
      break;
  }
  return absl::StrCat(Quoted(text), "::", type.Name());
}

class Deparser {
 public:
  explicit Deparser(const std::vector<std::string>& labels) : labels_(labels) {}

  std::string Expr(const BoundExpr& e) const {
    switch (e.kind) {
      case BoundKind::kConstant: return Constant(e.constant, e.type);
      case BoundKind::kColumn:
        if (e.column < 0 || static_cast<size_t>(e.column) >= labels_.size()) return "$outer";
        return labels_[e.column];
      case BoundKind::kParam: return absl::StrCat("$", e.param);
      case BoundKind::kCast: return absl::StrCat("(", Expr(*e.args[0]), ")::", e.type.Name());
      case BoundKind::kFunction: return Function(e);
      case BoundKind::kAnd:
      case BoundKind::kOr: return Junction(e);
      case BoundKind::kNot: return absl::StrCat("(NOT ", Expr(*e.args[0]), ")");
      case BoundKind::kIsNull: return absl::StrCat("(", Expr(*e.args[0]), e.negated ? " IS NOT NULL)" : " IS NULL)");
      case BoundKind::kIsBool: {
        static constexpr const char* kTargets[] = {"FALSE", "TRUE", "UNKNOWN"};
        QUANTA_ASSERT(e.bool_target >= 0 && e.bool_target <= 2);
        return absl::StrCat("(", Expr(*e.args[0]), e.negated ? " IS NOT " : " IS ", kTargets[e.bool_target], ")");
      }
      case BoundKind::kCase: return Case(e);
      case BoundKind::kCoalesce: return absl::StrCat("COALESCE(", List(e.args, 0), ")");
      case BoundKind::kInList: return InList(e);
      case BoundKind::kSequence: return absl::StrCat(e.name, "(", List(e.args, 0), ")");
      case BoundKind::kClock: return Clock(e.name);
    }
    QUANTA_UNREACHABLE("every BoundKind deparses");
  }

 private:
  // now() and its family: the SQL-standard keywords print bare, in capitals.
  static std::string Clock(const std::string& name) {
    if (name == "current_date" || name == "current_time" || name == "localtime" || name == "localtimestamp") {
      std::string upper = name;
      for (char& c : upper) c = absl::ascii_toupper(static_cast<unsigned char>(c));
      return upper;
    }
    return absl::StrCat(name == "current_timestamp" ? "now" : name, "()");
  }

  std::string List(const std::vector<BoundExprPtr>& args, size_t from) const {
    std::vector<std::string> parts;
    for (size_t i = from; i < args.size(); ++i) parts.push_back(Expr(*args[i]));
    return absl::StrJoin(parts, ", ");
  }

  std::string Function(const BoundExpr& e) const {
    if (IsOperatorName(e.name) || e.name == "like" || e.name == "ilike" || e.name == "similar") {
      const std::string op = OperatorFor(e.name);
      if (e.args.size() == 1) return absl::StrCat("(", op, " ", Expr(*e.args[0]), ")");
      if (e.args.size() == 2) return absl::StrCat("(", Expr(*e.args[0]), " ", op, " ", Expr(*e.args[1]), ")");
    }
    return absl::StrCat(e.name, "(", List(e.args, 0), ")");
  }

  // AND/OR chains print flat, as PostgreSQL keeps them: ((a) AND (b) AND (c)).
  void Flatten(const BoundExpr& e, BoundKind kind, std::vector<std::string>* parts) const {
    if (e.kind != kind) {
      parts->push_back(Expr(e));
      return;
    }
    for (const BoundExprPtr& a : e.args) Flatten(*a, kind, parts);
  }
  std::string Junction(const BoundExpr& e) const {
    std::vector<std::string> parts;
    Flatten(e, e.kind, &parts);
    return absl::StrCat("(", absl::StrJoin(parts, e.kind == BoundKind::kAnd ? " AND " : " OR "), ")");
  }

  std::string Case(const BoundExpr& e) const {
    QUANTA_ASSERT(e.args.size() % 2 == 1);
    std::string out = "CASE";
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      absl::StrAppend(&out, " WHEN ", Expr(*e.args[i]), " THEN ", Expr(*e.args[i + 1]));
    }
    absl::StrAppend(&out, " ELSE ", Expr(*e.args.back()), " END");
    return out;
  }

  // x IN (1, 2) is PostgreSQL's x = ANY ('{1,2}'::integer[]) when every item is a
  // non-NULL constant, else an OR of equalities (NOT IN: <> ALL, an AND).
  std::string InList(const BoundExpr& e) const {
    QUANTA_ASSERT(e.args.size() >= 2);
    bool constants = true;
    for (size_t i = 1; i < e.args.size(); ++i) constants = constants && e.args[i]->IsConstant() && !e.args[i]->constant.is_null();
    const std::string left = Expr(*e.args[0]);
    const char* op = e.negated ? " <> " : " = ";
    if (constants) {
      std::vector<std::string> items;
      for (size_t i = 1; i < e.args.size(); ++i) items.push_back(ArrayItem(FormatValue(e.args[i]->constant)));
      return absl::StrCat("(", left, op, e.negated ? "ALL" : "ANY", " (", Quoted(absl::StrCat("{", absl::StrJoin(items, ","), "}")),
                          "::", Type::Array(e.args[1]->type.id).Name(), "))");
    }
    std::vector<std::string> terms;
    for (size_t i = 1; i < e.args.size(); ++i) terms.push_back(absl::StrCat("(", left, op, Expr(*e.args[i]), ")"));
    return absl::StrCat("(", absl::StrJoin(terms, e.negated ? " AND " : " OR "), ")");
  }
  // An array literal's element: quoted when it holds what the array syntax reserves.
  static std::string ArrayItem(const std::string& text) {
    const bool plain = !text.empty() && text.find_first_of("{},\"\\ ") == std::string::npos && text != "NULL";
    if (plain) return text;
    return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
  }

  const std::vector<std::string>& labels_;
};

}  // namespace

std::string DeparseExpr(const BoundExpr& e, const std::vector<std::string>& labels) { return Deparser(labels).Expr(e); }

std::string QuoteIdentifier(const std::string& name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '$';
  for (char c : name) plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  if (plain) return name;
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

}  // namespace quanta::sql
