#include "sql/planner/key_range.h"

#include <vector>

#include "engine/env/assert.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

void Conjuncts(const BoundExpr& e, std::vector<const BoundExpr*>* out) {
  if (e.kind == BoundKind::kAnd) {
    for (const BoundExprPtr& a : e.args) Conjuncts(*a, out);
    return;
  }
  out->push_back(&e);
}

// The least string greater than every string starting with `prefix` (nullopt: none).
std::optional<std::string> Successor(std::string prefix) {
  while (!prefix.empty()) {
    if (static_cast<uint8_t>(prefix.back()) != 0xFF) {
      prefix.back() = static_cast<char>(static_cast<uint8_t>(prefix.back()) + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

std::string Flip(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

}  // namespace

std::optional<KeyRange> PrimaryKeyRange(const TableDef& table, const BoundExpr& predicate) {
  if (table.primary_key.empty()) return std::nullopt;
  const int lead = table.primary_key[0];
  const Type& lead_type = table.columns[static_cast<size_t>(lead)].type;
  std::vector<const BoundExpr*> terms;
  Conjuncts(predicate, &terms);
  KeyRange range;
  bool constrained = false;
  for (const BoundExpr* t : terms) {
    if (t->kind != BoundKind::kFunction || t->args.size() != 2) continue;
    const std::string& name = t->name;
    if (name != "=" && name != "<" && name != "<=" && name != ">" && name != ">=") continue;
    const BoundExpr* column = t->args[0].get();
    const BoundExpr* constant = t->args[1].get();
    std::string op = name;
    if (column->kind == BoundKind::kConstant) {
      std::swap(column, constant);
      op = Flip(op);
    }
    if (column->kind != BoundKind::kColumn || column->column != lead || constant->kind != BoundKind::kConstant) continue;
    // Only when the comparison is in the key's own type: the encoding orders that type.
    if (!(column->type == lead_type) || !constant->type.SameBase(lead_type) || constant->constant.is_null()) continue;
    std::string bound;
    AppendKeyValue(constant->constant, &bound);
    std::optional<std::string> start, end;
    if (op == "=" || op == ">=") start = bound;
    if (op == ">") start = Successor(bound).value_or(bound);
    if (op == "=" || op == "<=") end = Successor(bound);
    if (op == "<") end = bound;
    if (start && *start > range.start) range.start = *start;
    if (end && (!range.end || *end < *range.end)) range.end = *end;
    constrained = true;
  }
  if (!constrained) return std::nullopt;
  range.empty = range.end.has_value() && *range.end <= range.start;
  return range;
}

}  // namespace quanta::sql
