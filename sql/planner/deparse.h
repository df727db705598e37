// Deparse: a bound expression back to SQL text the way PostgreSQL's EXPLAIN prints
// its quals (ruleutils.c's style): every operator expression in parentheses —
// "((a > 1) AND (b = 'x'::text))" — constants with their type unless a bare literal
// reads back as that type (integers, numerics, booleans), casts as "(x)::type", an IN
// list of constants as "(a = ANY ('{1,2}'::integer[]))", LIKE as "~~".
//
// Column c prints as labels[c] (the caller's names for its input columns, qualified
// or not); a column outside them, or an outer reference, prints as "$outer".
#pragma once

#include <string>
#include <vector>

#include "sql/planner/bound_expr.h"

namespace quanta::sql {

std::string DeparseExpr(const BoundExpr& e, const std::vector<std::string>& labels);

// `name` as PostgreSQL's quote_identifier prints it: bare when it is lower case
// letters, digits, _ and $ (not starting with a digit or $), else double-quoted.
std::string QuoteIdentifier(const std::string& name);

}  // namespace quanta::sql
