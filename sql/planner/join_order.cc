// Join order (planner.h: ReorderJoins): a tree of INNER and CROSS joins of three or more
// inputs is taken apart into its inputs and its conditions (the joins' own and WHERE's
// conjuncts), and rebuilt left-deep in an order chosen from the inputs' estimated rows:
//   - conjuncts over one input filter it (and narrow its scan) first;
//   - the first input is the smallest if it is tiny (a key lookup: what follows may be
//     index nested loops from it), else the largest (the probe side of hash joins
//     whose build sides are the smaller inputs);
//   - then, repeatedly, the smallest input connected to those joined by a condition
//     (a cross product only when none is), joined on every condition now covered.
// A projection on top puts the columns back in the written order, so nothing above
// sees the change.
#include <algorithm>

#include "engine/env/assert.h"
#include "sql/execution/hash_join.h"
#include "sql/execution/join.h"
#include "sql/execution/operators.h"
#include "sql/planner/planner.h"

namespace quanta::sql {
namespace {

// Inputs estimated at this many rows or fewer start the order (see above).
constexpr double kTinyInput = 100;
// Larger trees keep their written order (whatever join_collapse_limit says).
constexpr size_t kMaxReorderedInputs = 16;

struct Input {
  OperatorPtr op;
  int offset = 0;  // of its first column in the written layout
  int width = 0;
  double rows = 0;
};

struct Condition {
  BoundExprPtr expr;  // over the written layout
  uint64_t inputs = 0;
};

bool Flattenable(const Operator& op) {
  const auto* join = dynamic_cast<const JoinOperator*>(&op);
  if (join == nullptr || (join->kind() != JoinKind::kInner && join->kind() != JoinKind::kCross)) return false;
  return dynamic_cast<const NestedLoopJoinOperator*>(join) != nullptr || dynamic_cast<const HashJoinOperator*>(join) != nullptr;
}

size_t CountInputs(const Operator& op) {
  if (!Flattenable(op)) return 1;
  const std::vector<const Operator*> children = op.children();
  return CountInputs(*children[0]) + CountInputs(*children[1]);
}

// Takes the join tree `op` (whose columns start at `offset`) apart into *inputs and
// *terms (its conditions, over the written layout).
void Flatten(OperatorPtr op, int offset, std::vector<Input>* inputs, std::vector<BoundExprPtr>* terms) {
  if (!Flattenable(*op)) {
    const int width = static_cast<int>(op->types().size());
    inputs->push_back(Input{std::move(op), offset, width, 0});
    return;
  }
  auto* join = static_cast<JoinOperator*>(op.get());
  std::vector<BoundExprPtr> own;
  if (auto* loop = dynamic_cast<NestedLoopJoinOperator*>(join)) {
    if (BoundExprPtr condition = loop->TakeCondition()) own.push_back(std::move(condition));
  } else {
    own = static_cast<HashJoinOperator*>(join)->TakeCondition();
  }
  for (BoundExprPtr& term : own) {
    ShiftColumns(term.get(), offset);
    SplitConjuncts(std::move(term), terms);
  }
  const int left_width = static_cast<int>(join->left_width());
  Flatten(std::move(join->mutable_left()), offset, inputs, terms);
  Flatten(std::move(join->mutable_right()), offset + left_width, inputs, terms);
}

// The inputs `e` reads, as a mask.
uint64_t InputsOf(const BoundExpr& e, const std::vector<Input>& inputs) {
  uint64_t mask = 0;
  if (e.kind == BoundKind::kColumn) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (e.column >= inputs[i].offset && e.column < inputs[i].offset + inputs[i].width) mask |= uint64_t{1} << i;
    }
    QUANTA_ASSERT(mask != 0);
  }
  for (const BoundExprPtr& a : e.args) mask |= InputsOf(*a, inputs);
  return mask;
}

// The input to join next: the smallest connected to `joined` by a condition, else the
// smallest (ties: the first written).
size_t NextInput(const std::vector<Input>& inputs, uint64_t joined, const std::vector<Condition>& conditions) {
  std::optional<size_t> best, best_connected;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if (joined & bit) continue;
    const bool connected = std::any_of(conditions.begin(), conditions.end(), [&](const Condition& c) {
      return c.expr != nullptr && (c.inputs & bit) && (c.inputs & joined) && (c.inputs & ~(joined | bit)) == 0;
    });
    if (!best || inputs[i].rows < inputs[*best].rows) best = i;
    if (connected && (!best_connected || inputs[i].rows < inputs[*best_connected].rows)) best_connected = i;
  }
  QUANTA_ASSERT(best.has_value());
  return best_connected.value_or(*best);
}

size_t FirstInput(const std::vector<Input>& inputs) {
  size_t smallest = 0, largest = 0;
  for (size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i].rows < inputs[smallest].rows) smallest = i;
    if (inputs[i].rows > inputs[largest].rows) largest = i;
  }
  return inputs[smallest].rows <= kTinyInput ? smallest : largest;
}

}  // namespace

bool ReordersJoins(const Operator& op, int collapse_limit) {
  const size_t inputs = CountInputs(op);
  return inputs >= 3 && inputs <= std::min<size_t>(kMaxReorderedInputs, static_cast<size_t>(std::max(collapse_limit, 1)));
}

OperatorPtr ReorderJoins(OperatorPtr op, std::vector<BoundExprPtr> conjuncts) {
  QUANTA_ASSERT(ReordersJoins(*op, static_cast<int>(kMaxReorderedInputs)));
  const std::vector<Type> written_types = op->types();
  std::vector<Input> inputs;
  std::vector<BoundExprPtr> terms = std::move(conjuncts);
  Flatten(std::move(op), 0, &inputs, &terms);
  // Conjuncts over one input (or none) filter it; the rest join.
  std::vector<std::vector<BoundExprPtr>> local(inputs.size());
  std::vector<Condition> conditions;
  for (BoundExprPtr& term : terms) {
    const uint64_t mask = InputsOf(*term, inputs);
    if ((mask & (mask - 1)) == 0) {
      const size_t i = mask == 0 ? 0 : static_cast<size_t>(__builtin_ctzll(mask));
      ShiftColumns(term.get(), -inputs[i].offset);
      local[i].push_back(std::move(term));
    } else {
      conditions.push_back(Condition{std::move(term), mask});
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    inputs[i].op = PushDownFilters(std::move(inputs[i].op), std::move(local[i]), kMaxReorderedInputs);
    inputs[i].rows = EstimateRows(*inputs[i].op);
  }
  std::vector<int> to(written_types.size(), -1);  // written column → built column
  const auto place = [&](size_t i, int at) {
    for (int c = 0; c < inputs[i].width; ++c) to[static_cast<size_t>(inputs[i].offset + c)] = at + c;
  };
  size_t first = FirstInput(inputs);
  uint64_t joined = uint64_t{1} << first;
  OperatorPtr built = std::move(inputs[first].op);
  place(first, 0);
  for (size_t n = 1; n < inputs.size(); ++n) {
    const size_t next = NextInput(inputs, joined, conditions);
    const int left_width = static_cast<int>(built->types().size());
    place(next, left_width);
    joined |= uint64_t{1} << next;
    std::vector<BoundExprPtr> on;
    for (Condition& c : conditions) {
      if (c.expr == nullptr || (c.inputs & ~joined) != 0) continue;
      MapColumns(c.expr.get(), to);
      on.push_back(std::move(c.expr));
    }
    BoundExprPtr condition = on.empty() ? nullptr : Conjoin(std::move(on));
    const JoinKind kind = condition == nullptr ? JoinKind::kCross : JoinKind::kInner;
    built = MakeJoin(std::move(built), std::move(inputs[next].op), kind, std::move(condition), static_cast<size_t>(left_width));
  }
  for (const Condition& c : conditions) QUANTA_ASSERT(c.expr == nullptr);  // every condition placed
  std::vector<BoundExprPtr> columns;
  for (size_t c = 0; c < written_types.size(); ++c) {
    QUANTA_ASSERT(to[c] >= 0);
    QUANTA_ASSERT(built->types()[static_cast<size_t>(to[c])] == written_types[c]);
    columns.push_back(MakeColumn(to[c], written_types[c]));
  }
  return std::make_unique<ProjectOperator>(std::move(built), std::move(columns));
}

}  // namespace quanta::sql
