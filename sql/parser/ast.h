// The abstract syntax tree the parser builds: statements, table references and
// expressions as written, before binding (names are unresolved, literals untyped).
//
// Ownership: every node owns its children (unique_ptr); a Statement owns its tree.
// Positions are 1-based character offsets into the statement text, for error reports.
// Depth: the parser refuses trees nested deeper than kMaxNestingDepth, so every
// recursive walk over an AST is bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quanta::sql::ast {

inline constexpr int kMaxNestingDepth = 200;  // expression/subquery nesting
inline constexpr size_t kMaxListItems = 100000;  // items in one list (columns, VALUES rows)

struct Expr;
struct SelectStmt;
using ExprPtr = std::unique_ptr<Expr>;

// A type as written: `varchar(20)`, `numeric(10, 2)`, `int[]`, `double precision`.
struct TypeName {
  std::string name;            // canonical lower-case name ("double precision", "timestamp with time zone")
  std::vector<int64_t> mods;   // typmods in parentheses
  int array_dims = 0;
  int position = 0;
};

enum class ExprKind : uint8_t {
  kLiteral,     // literal, text
  kColumnRef,   // names (a, t.a, s.t.a)
  kStar,        // * or t.* in a select list (names: qualifier)
  kParam,       // $n: param_index
  kUnary,       // op, args[0]  (NOT, -, +, ~ ...)
  kBinary,      // op, args[0], args[1] (AND, OR, =, +, ||, LIKE is kLike)
  kFunc,        // names (schema-qualified), args, distinct, star_arg, filter, over
  kCast,        // args[0]::type
  kCase,        // case_operand?, args = when/then pairs, else_expr?
  kIsNull,      // args[0] IS [NOT] NULL (negated)
  kIsBool,      // args[0] IS [NOT] TRUE|FALSE|UNKNOWN (text: "true"/"false"/"unknown")
  kIsDistinct,  // args[0] IS [NOT] DISTINCT FROM args[1]
  kBetween,     // args[0] [NOT] BETWEEN [SYMMETRIC] args[1] AND args[2]
  kInList,      // args[0] [NOT] IN (args[1..])
  kLike,        // args[0] [NOT] LIKE|ILIKE|SIMILAR TO args[1] [ESCAPE args[2]]; text: like/ilike/similar
  kSubquery,    // (SELECT ...) as a scalar
  kExists,      // EXISTS (SELECT ...)
  kArraySubquery,  // ARRAY(SELECT ...): the subquery's one column as an array
  kInSubquery,  // args[0] [NOT] IN (SELECT ...)
  kQuantified,  // args[0] op ANY|ALL (subquery or args[1] array); text: "any"/"all", op
  kArray,       // ARRAY[args...]
  kSubscript,   // args[0][args[1]]
  kRow,         // ROW(args...) or (a, b)
  kDefault,     // DEFAULT in INSERT VALUES / UPDATE SET
};

enum class LiteralKind : uint8_t { kNull, kBool, kInteger, kNumeric, kString };

struct WindowSpec;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int position = 0;
  LiteralKind literal = LiteralKind::kNull;
  std::string text;                 // literal text, operator, function name, IS target
  std::string op;                   // kQuantified: the comparison operator
  std::vector<std::string> names;   // column or function name parts
  std::vector<ExprPtr> args;
  ExprPtr case_operand;             // kCase
  ExprPtr else_expr;                // kCase
  ExprPtr filter;                   // aggregate FILTER (WHERE ...)
  std::unique_ptr<WindowSpec> over; // window function OVER (...)
  std::unique_ptr<SelectStmt> subquery;
  TypeName type;                    // kCast; kLiteral with a type prefix (date '...')
  bool has_type = false;            // kLiteral: typed literal
  bool negated = false;             // NOT forms
  bool distinct = false;            // f(DISTINCT ...)
  bool star_arg = false;            // count(*)
  bool symmetric = false;           // BETWEEN SYMMETRIC
  int param_index = 0;              // kParam
  std::vector<struct OrderItem> order_within;  // string_agg(x, ',' ORDER BY y)
  Expr();
  ~Expr();
};

struct OrderItem {
  ExprPtr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // unset: NULLS LAST ascending, FIRST descending
  OrderItem();
  ~OrderItem();
  OrderItem(OrderItem&&);
  OrderItem& operator=(OrderItem&&);
};

struct FrameBound {
  enum class Kind : uint8_t { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
  Kind kind = Kind::kCurrentRow;
  ExprPtr offset;
};

struct WindowSpec {
  std::string name;      // OVER w: the named window itself
  std::string ref_name;  // OVER (w ORDER BY ...): a named window copied, then extended
  int position = 0;
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
  bool has_frame = false;
  bool rows = false;  // ROWS (true) or RANGE
  bool between = false;  // BETWEEN start AND end (else: start, ending at CURRENT ROW)
  FrameBound start, end;
};

// WINDOW name AS (spec) in a SELECT.
struct NamedWindow {
  std::string name;
  std::unique_ptr<WindowSpec> spec;
  int position = 0;
};

struct SelectItem {
  ExprPtr expr;
  std::string alias;  // empty: none given
  int position = 0;
};

struct TableRef;
using TableRefPtr = std::unique_ptr<TableRef>;

enum class JoinType : uint8_t { kInner, kLeft, kRight, kFull, kCross };

struct TableRef {
  enum class Kind : uint8_t { kTable, kJoin, kSubquery, kFunction, kValues };
  Kind kind = Kind::kTable;
  int position = 0;
  std::vector<std::string> names;  // kTable: [schema.]table
  std::string alias;
  std::vector<std::string> column_aliases;
  // kJoin
  JoinType join = JoinType::kInner;
  bool natural = false;
  TableRefPtr left, right;
  ExprPtr on;
  std::vector<std::string> using_columns;
  // kSubquery, kValues (subquery holds the VALUES)
  std::unique_ptr<SelectStmt> subquery;
  bool lateral = false;
  // kFunction: generate_series(...) and friends
  ExprPtr function;
  bool with_ordinality = false;  // WITH ORDINALITY: a last bigint column numbering the rows
};

struct CommonTableExpr {
  std::string name;
  std::vector<std::string> columns;
  std::unique_ptr<SelectStmt> query;
};

enum class SetOp : uint8_t { kNone, kUnion, kIntersect, kExcept };

struct SelectStmt {
  // WITH
  bool recursive = false;
  std::vector<CommonTableExpr> ctes;
  // A set operation (left op right) or a simple select (op == kNone).
  SetOp op = SetOp::kNone;
  bool set_all = false;
  std::unique_ptr<SelectStmt> left, right;
  // Simple select
  bool distinct = false;
  std::vector<ExprPtr> distinct_on;
  std::vector<SelectItem> targets;
  std::vector<TableRefPtr> from;
  ExprPtr where;
  std::vector<ExprPtr> group_by;  // kFunc "rollup"/"cube"/"grouping sets" hold their lists
  ExprPtr having;
  std::vector<NamedWindow> windows;  // WINDOW clause, in order (a definition may name an earlier one)
  std::vector<std::vector<ExprPtr>> values;  // VALUES (...), (...) instead of a select list
  // Applying to the whole statement (also to a set operation)
  std::vector<OrderItem> order_by;
  ExprPtr limit;   // null: no limit (LIMIT ALL too)
  ExprPtr offset;
  int position = 0;
};

// CREATE/ALTER SEQUENCE options (and an identity column's); unset: not given.
struct SequenceOptions {
  std::optional<std::string> type;  // AS smallint | integer | bigint
  std::optional<int64_t> increment, start, cache, restart_with;
  std::optional<int64_t> min, max;
  bool no_min = false, no_max = false;
  std::optional<bool> cycle;
  bool restart = false;  // ALTER ... RESTART (with restart_with, or to the start)
  std::vector<std::string> owned_by;  // OWNED BY table.column; {"none"} for NONE
};

// FOREIGN KEY (columns) REFERENCES table [(ref_columns)] [ON DELETE a] [ON UPDATE a]:
// actions 'a' NO ACTION, 'r' RESTRICT, 'c' CASCADE, 'n' SET NULL, 'd' SET DEFAULT.
struct ForeignKeyClause {
  std::vector<std::string> table;
  std::vector<std::string> ref_columns;  // empty: the referenced table's primary key
  char on_delete = 'a';
  char on_update = 'a';
};

struct TableConstraint {
  enum class Kind : uint8_t { kPrimaryKey, kUnique, kCheck, kForeignKey };
  Kind kind = Kind::kPrimaryKey;
  std::string name;
  std::vector<std::string> columns;
  ExprPtr check;
  std::string check_text;
  ForeignKeyClause references;  // kForeignKey
  int position = 0;
};

struct ColumnDef {
  std::string name;
  TypeName type;
  bool not_null = false;
  bool primary_key = false;
  bool unique = false;
  ExprPtr default_expr;
  std::string default_text;  // the DEFAULT expression as written (stored in the catalog)
  ExprPtr check;
  std::string check_text;
  char identity = 0;  // 'a': GENERATED ALWAYS AS IDENTITY, 'd': BY DEFAULT, 0: not one
  SequenceOptions identity_options;
  std::vector<TableConstraint> references;  // REFERENCES ... (kForeignKey, columns: this one)
  int position = 0;
};

struct CreateTableStmt {
  std::vector<std::string> names;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<TableConstraint> constraints;
};

// CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON table [USING btree] (col [ASC|DESC]
// [NULLS FIRST|LAST], ...): columns only (no expressions, no partial indexes).
struct CreateIndexStmt {
  std::string name;  // empty: derived from the table and columns, as PostgreSQL does
  std::vector<std::string> table;
  std::vector<std::string> columns;
  bool unique = false;
  bool if_not_exists = false;
  int position = 0;
};

struct CreateSequenceStmt {
  std::vector<std::string> names;
  bool if_not_exists = false;
  SequenceOptions options;
};

struct AlterSequenceStmt {
  std::vector<std::string> names;
  bool if_exists = false;
  SequenceOptions options;
};

// SET name {TO|=} value[, ...] | DEFAULT; SET TIME ZONE; SHOW name; RESET name | ALL.
struct SetStmt {
  std::string name;                 // "timezone" for SET TIME ZONE; "all" for RESET ALL / SHOW ALL
  std::vector<std::string> values;  // as written (strings unquoted, numbers as text)
  bool to_default = false;          // SET ... TO DEFAULT, SET TIME ZONE LOCAL
  bool local = false;               // SET LOCAL (a transaction's; until issue 12, the statement's)
};

// TRUNCATE, VACUUM and ANALYZE: a list of tables (empty: all, for VACUUM/ANALYZE).
struct MaintenanceStmt {
  std::vector<std::vector<std::string>> tables;
  bool restart_identity = false;  // TRUNCATE ... RESTART IDENTITY
  bool analyze = false;           // VACUUM ANALYZE (and ANALYZE itself)
};

// One ALTER TABLE action.
struct AlterTableCmd {
  enum class Kind : uint8_t {
    kAddColumn, kDropColumn, kRenameColumn, kRenameTable, kSetDefault, kDropDefault, kSetNotNull, kDropNotNull,
    kSetType, kAddConstraint, kDropConstraint, kNoop
  };
  Kind kind = Kind::kNoop;
  std::string name;      // the column or constraint acted on
  std::string new_name;  // renames
  std::unique_ptr<ColumnDef> column;          // ADD COLUMN
  std::unique_ptr<TableConstraint> constraint;  // ADD CONSTRAINT
  TypeName type;                              // SET DATA TYPE
  ExprPtr expr;                               // SET DEFAULT's, or TYPE ... USING's
  std::string expr_text;
  bool missing_ok = false;  // IF EXISTS / IF NOT EXISTS
  bool cascade = false;
  int position = 0;
};

struct AlterTableStmt {
  std::vector<std::string> names;
  bool if_exists = false;
  std::vector<AlterTableCmd> cmds;
};

struct CreateViewStmt {
  std::vector<std::string> names;
  std::vector<std::string> columns;  // (a, b): the output columns' names
  bool or_replace = false;
  std::unique_ptr<SelectStmt> query;
  std::string query_text;  // as written: what the catalog keeps
};

// CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role] (or AUTHORIZATION role alone:
// the schema is named after the role).
struct CreateSchemaStmt {
  std::string name;
  bool if_not_exists = false;
  int position = 0;
};

// COMMENT ON {TABLE | VIEW | INDEX | SEQUENCE | SCHEMA | COLUMN} name IS 'text' | NULL.
struct CommentStmt {
  enum class Object : uint8_t { kTable, kView, kIndex, kSequence, kSchema, kColumn };
  Object object = Object::kTable;
  std::vector<std::string> names;  // [schema.]name, or [schema.]table.column for kColumn
  std::optional<std::string> text;  // nullopt: IS NULL (removes the comment)
  int position = 0;
};

struct Statement;

// EXPLAIN [ANALYZE] [VERBOSE] statement, or EXPLAIN (option [value], ...) statement.
struct ExplainStmt {
  bool analyze = false;
  bool timing = true;   // TIMING (with ANALYZE)
  bool summary = true;  // SUMMARY: planning and execution times (with ANALYZE)
  bool costs = true;    // COSTS: each node's estimated cost, rows and width
  std::unique_ptr<Statement> target;
};

struct DropStmt {
  enum class Object : uint8_t { kTable, kIndex, kView, kSequence, kSchema };
  Object object = Object::kTable;
  std::vector<std::vector<std::string>> names;
  bool if_exists = false;
  bool cascade = false;
};

struct SetClause {
  std::string column;
  ExprPtr value;
  int position = 0;
};

// INSERT ... ON CONFLICT [(columns) | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET ... [WHERE ...]
struct OnConflict {
  std::vector<std::string> target;  // the arbiter's columns (empty: any / by constraint)
  std::string constraint;           // ON CONSTRAINT name
  bool do_update = false;
  std::vector<SetClause> sets;
  ExprPtr where;
  int position = 0;
};

struct InsertStmt {
  std::vector<std::string> table;
  std::string alias;
  std::vector<std::string> columns;
  bool overriding_system = false;  // OVERRIDING SYSTEM VALUE (identity ALWAYS columns take given values)
  bool overriding_user = false;    // OVERRIDING USER VALUE (identity columns ignore given values)
  std::unique_ptr<SelectStmt> source;  // VALUES or SELECT; null: DEFAULT VALUES
  std::unique_ptr<OnConflict> on_conflict;
  std::vector<SelectItem> returning;
};


struct UpdateStmt {
  std::vector<std::string> table;
  std::string alias;
  std::vector<SetClause> sets;
  std::vector<TableRefPtr> from;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

struct DeleteStmt {
  std::vector<std::string> table;
  std::string alias;
  std::vector<TableRefPtr> using_tables;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

struct Statement {
  enum class Kind : uint8_t {
    kSelect, kInsert, kUpdate, kDelete, kCreateTable, kCreateIndex, kCreateSequence, kAlterSequence, kDrop,
    kSet, kShow, kReset, kTruncate, kVacuum, kAnalyze, kAlterTable, kExplain, kCreateView, kCreateSchema, kComment
  };
  Kind kind = Kind::kSelect;
  std::unique_ptr<SelectStmt> select;
  std::unique_ptr<InsertStmt> insert;
  std::unique_ptr<UpdateStmt> update;
  std::unique_ptr<DeleteStmt> del;
  std::unique_ptr<CreateTableStmt> create_table;
  std::unique_ptr<CreateIndexStmt> create_index;
  std::unique_ptr<CreateSequenceStmt> create_sequence;
  std::unique_ptr<AlterSequenceStmt> alter_sequence;
  std::unique_ptr<SetStmt> set;  // kSet, kShow, kReset
  std::unique_ptr<MaintenanceStmt> maintenance;  // kTruncate, kVacuum, kAnalyze
  std::unique_ptr<AlterTableStmt> alter_table;
  std::unique_ptr<ExplainStmt> explain;
  std::unique_ptr<CreateViewStmt> create_view;
  std::unique_ptr<CreateSchemaStmt> create_schema;
  std::unique_ptr<CommentStmt> comment;
  std::unique_ptr<DropStmt> drop;
  int position = 0;  // where the statement starts
};

}  // namespace quanta::sql::ast
