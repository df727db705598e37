#include "sql/parser/ast.h"

namespace quanta::sql::ast {

// Out of line: Expr and OrderItem hold each other (and SelectStmt) by pointer.
Expr::Expr() = default;
Expr::~Expr() = default;
OrderItem::OrderItem() = default;
OrderItem::~OrderItem() = default;
OrderItem::OrderItem(OrderItem&&) = default;
OrderItem& OrderItem::operator=(OrderItem&&) = default;

}  // namespace quanta::sql::ast
