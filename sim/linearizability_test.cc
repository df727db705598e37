// The register linearizability checker: hand-written histories for each rule (real-time
// order, instants, unknown outcomes, keys), a RapidCheck property against simulated
// atomic registers (pass as recorded, fail once one read is corrupted), and a size test
// bounding the states the search visits.
#include "sim/linearizability.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/env/random.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace quanta::sim {
namespace {

constexpr int64_t kUnknown = -1;  // a ret_ms for a write whose answer never came

absl::Duration Ms(int64_t ms) { return ms == kUnknown ? absl::InfiniteDuration() : absl::Milliseconds(ms); }

RegisterOp Write(uint64_t client, const std::string& key, const std::string& value, int64_t call_ms,
                 int64_t ret_ms) {
  return RegisterOp{client, RegisterOp::Kind::kWrite, key, value, true, Ms(call_ms), Ms(ret_ms)};
}

RegisterOp Read(uint64_t client, const std::string& key, const std::string& value, int64_t call_ms,
                int64_t ret_ms) {
  return RegisterOp{client, RegisterOp::Kind::kRead, key, value, true, Ms(call_ms), Ms(ret_ms)};
}

RegisterOp ReadAbsent(uint64_t client, const std::string& key, int64_t call_ms, int64_t ret_ms) {
  return RegisterOp{client, RegisterOp::Kind::kRead, key, "", false, Ms(call_ms), Ms(ret_ms)};
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(LinearizabilityTest, EmptyHistoryPasses) {
  const LinearizabilityResult r = CheckRegisterHistory({});
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.exhausted);
  EXPECT_EQ(r.explanation, "");
  EXPECT_EQ(r.states_visited, 0u);
}

TEST(LinearizabilityTest, SequentialHistoryPasses) {
  const LinearizabilityResult r = CheckRegisterHistory({
      ReadAbsent(1, "k", 0, 1), Write(1, "k", "a", 2, 3), Read(2, "k", "a", 4, 5),
      Write(2, "k", "b", 6, 7), Read(1, "k", "b", 8, 9), Write(3, "k", "", 10, 11), Read(1, "k", "", 12, 13),
  });
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.exhausted);
  EXPECT_EQ(r.states_visited, 7u);  // one state per op: nothing to backtrack over
}

TEST(LinearizabilityTest, ReadOverlappingAWriteMaySeeEitherValue) {
  for (bool sees_new : {false, true}) {
    std::vector<RegisterOp> h = {Write(1, "k", "old", 0, 1), Write(1, "k", "new", 2, 10)};
    h.push_back(sees_new ? Read(2, "k", "new", 3, 5) : Read(2, "k", "old", 3, 5));
    h.push_back(Read(2, "k", "new", 11, 12));
    const LinearizabilityResult r = CheckRegisterHistory(h);
    EXPECT_TRUE(r.ok) << sees_new << "\n" << r.explanation;
  }
}

TEST(LinearizabilityTest, StaleReadAfterACompletedWriteFails) {
  const LinearizabilityResult r = CheckRegisterHistory({
      Write(1, "k", "old", 0, 1), Write(1, "k", "new", 2, 3), Read(2, "k", "old", 4, 5)});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.exhausted);
  EXPECT_TRUE(Contains(r.explanation, "key \"k\": not linearizable")) << r.explanation;
  EXPECT_TRUE(Contains(r.explanation, "leaving the register \"new\"")) << r.explanation;
  EXPECT_TRUE(Contains(r.explanation, "* #2 client 2 read \"old\" [4ms, 5ms]")) << r.explanation;
}

TEST(LinearizabilityTest, ReadOfAValueNeverWrittenFails) {
  const LinearizabilityResult r = CheckRegisterHistory({Write(1, "k", "a", 0, 10), Read(2, "k", "b", 1, 2)});
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(Contains(r.explanation, "read \"b\" (never written)")) << r.explanation;
}

TEST(LinearizabilityTest, PresentEmptyValueIsNotAbsent) {
  EXPECT_FALSE(CheckRegisterHistory({Read(1, "k", "", 0, 1)}).ok);
  EXPECT_FALSE(CheckRegisterHistory({Write(1, "k", "", 0, 1), ReadAbsent(2, "k", 2, 3)}).ok);
}

// Intervals are [call, ret): a return at the instant of another op's call precedes it.
TEST(LinearizabilityTest, ReturnAtTheInstantOfACallPrecedesIt) {
  EXPECT_FALSE(CheckRegisterHistory({Write(1, "k", "a", 0, 10), ReadAbsent(2, "k", 10, 12)}).ok);
  EXPECT_TRUE(CheckRegisterHistory({Write(1, "k", "a", 0, 10), ReadAbsent(2, "k", 9, 12)}).ok);
  EXPECT_FALSE(CheckRegisterHistory({Write(1, "k", "a", 5, 5), ReadAbsent(2, "k", 5, 6)}).ok);
}

TEST(LinearizabilityTest, ZeroLengthOpsAtOneInstantAreConcurrent) {
  EXPECT_TRUE(CheckRegisterHistory({Write(1, "k", "a", 5, 5), ReadAbsent(2, "k", 5, 5)}).ok);
  EXPECT_TRUE(CheckRegisterHistory({Write(1, "k", "a", 5, 5), Read(2, "k", "a", 5, 5)}).ok);
}

TEST(LinearizabilityTest, UnknownOutcomeWriteSeenLaterPasses) {
  const LinearizabilityResult r = CheckRegisterHistory({
      Write(1, "k", "old", 0, 1), Write(2, "k", "new", 2, kUnknown), Read(3, "k", "old", 3, 4),
      Read(3, "k", "new", 50, 51), Read(1, "k", "new", 60, 61)});
  EXPECT_TRUE(r.ok) << r.explanation;
}

TEST(LinearizabilityTest, UnknownOutcomeWriteNeverSeenPasses) {
  const LinearizabilityResult r = CheckRegisterHistory({
      Write(1, "k", "old", 0, 1), Write(2, "k", "lost", 2, kUnknown), Read(3, "k", "old", 3, 4),
      Read(3, "k", "old", 50, 51)});
  EXPECT_TRUE(r.ok) << r.explanation;
}

TEST(LinearizabilityTest, UnknownOutcomeWriteSeenThenUnseenFails) {
  const LinearizabilityResult r = CheckRegisterHistory({
      Write(1, "k", "old", 0, 1), Write(2, "k", "new", 2, kUnknown), Read(3, "k", "new", 5, 6),
      Read(3, "k", "old", 7, 8)});
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(Contains(r.explanation, "write \"new\" [2ms, unknown]")) << r.explanation;
  EXPECT_TRUE(Contains(r.explanation, "* #3 client 3 read \"old\" [7ms, 8ms]")) << r.explanation;
}

TEST(LinearizabilityTest, UnknownOutcomeWriteCannotTakeEffectBeforeItsCall) {
  EXPECT_FALSE(CheckRegisterHistory({Read(1, "k", "new", 0, 1), Write(2, "k", "new", 2, kUnknown)}).ok);
}

// Every pending write stays a candidate until it is linearized; the search must not
// try their subsets. 30 are read once each, 30 are never read; a stale read at the end
// makes the search exhaust its choices.
TEST(LinearizabilityTest, ManyUnknownOutcomeWritesKeepTheSearchSmall) {
  std::vector<RegisterOp> h;
  for (int i = 0; i < 30; ++i) {
    h.push_back(Write(100 + i, "k", absl::StrCat("seen", i), i, kUnknown));
    h.push_back(Write(200 + i, "k", absl::StrCat("unseen", i), i, kUnknown));
    h.push_back(Read(1, "k", absl::StrCat("seen", i), 100 + 2 * i, 101 + 2 * i));
  }
  h.push_back(Write(2, "k", "final", 200, 201));
  const LinearizabilityResult pass = CheckRegisterHistory(h);
  EXPECT_TRUE(pass.ok) << pass.explanation;
  h.push_back(Read(2, "k", "seen29", 300, 301));
  const LinearizabilityResult fail = CheckRegisterHistory(h);
  EXPECT_FALSE(fail.ok);
  EXPECT_FALSE(fail.exhausted);
  EXPECT_LT(fail.states_visited, 1000u);
  EXPECT_TRUE(Contains(fail.explanation, "30 unknown-outcome writes nobody read left out")) << fail.explanation;
}

// Each key alone is linearizable; read as one register they would not be.
TEST(LinearizabilityTest, KeysAreIndependent) {
  std::vector<RegisterOp> h = {Write(1, "x", "1", 0, 1), ReadAbsent(2, "y", 2, 3), Write(2, "y", "2", 4, 5),
                               Read(1, "x", "1", 6, 7)};
  EXPECT_TRUE(CheckRegisterHistory(h).ok);
  h.push_back(ReadAbsent(3, "y", 8, 9));
  const LinearizabilityResult r = CheckRegisterHistory(h);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(Contains(r.explanation, "key \"y\"")) << r.explanation;
  EXPECT_FALSE(Contains(r.explanation, "key \"x\"")) << r.explanation;
}

TEST(LinearizabilityTest, ExhaustedBudgetIsInconclusiveNotAFailure) {
  const std::vector<RegisterOp> h = {Write(1, "k", "a", 0, 1), Write(1, "k", "b", 2, 3), Write(1, "k", "c", 4, 5)};
  const LinearizabilityResult out_of_budget = CheckRegisterHistory(h, 2);
  EXPECT_TRUE(out_of_budget.ok);
  EXPECT_TRUE(out_of_budget.exhausted);
  EXPECT_EQ(out_of_budget.states_visited, 2u);
  EXPECT_TRUE(Contains(out_of_budget.explanation, "key \"k\": inconclusive")) << out_of_budget.explanation;
  const LinearizabilityResult enough = CheckRegisterHistory(h, 3);
  EXPECT_TRUE(enough.ok);
  EXPECT_FALSE(enough.exhausted);
  EXPECT_EQ(enough.explanation, "");
}

TEST(LinearizabilityTest, ExplanationIsBounded) {
  std::vector<RegisterOp> h;
  for (int i = 0; i < 100; ++i) {
    h.push_back(Write(1, "k", absl::StrCat("v", i), 10 * i, 10 * i + 5));
    h.push_back(Read(2 + i % 20, "k", "v0", 10 * i + 1, 1000));  // 20 reads stay open at once
  }
  const LinearizabilityResult r = CheckRegisterHistory(h);
  EXPECT_FALSE(r.ok);
  EXPECT_LE(Lines(r.explanation), 20u) << r.explanation;
  EXPECT_TRUE(Contains(r.explanation, "earlier ops")) << r.explanation;
  EXPECT_TRUE(Contains(r.explanation, "more")) << r.explanation;
}

// Draws an integer in [lo, hi].
using Draw = std::function<int64_t(int64_t lo, int64_t hi)>;

struct AtomicRegisterRun {
  uint64_t clients = 1;
  int64_t ops_per_client = 0;
  std::vector<std::string> keys;
  int64_t read_percent = 50;
  int64_t unknown_percent = 0;  // of writes
  uint64_t first_client = 0;
};

// Runs clients, each one op at a time, against a real atomic register per key: every op
// takes effect at a random instant strictly inside its interval (a write with unknown
// outcome: there, or never), so the history is linearizable by construction.
std::vector<RegisterOp> SimulateAtomicRegisters(const AtomicRegisterRun& run, const Draw& draw) {
  struct Planned {
    RegisterOp op;
    int64_t effect_ns;
    bool takes_effect;
  };
  std::vector<Planned> planned;
  for (uint64_t c = run.first_client; c < run.first_client + run.clients; ++c) {
    int64_t now_us = draw(0, 20);
    for (int64_t i = 0; i < run.ops_per_client; ++i) {
      const int64_t length_us = draw(1, 40);
      RegisterOp op;
      op.client = c;
      op.kind = draw(0, 99) < run.read_percent ? RegisterOp::Kind::kRead : RegisterOp::Kind::kWrite;
      op.key = run.keys[draw(0, static_cast<int64_t>(run.keys.size()) - 1)];
      // Mostly unique values; sometimes a shared one, so equal writes meet too.
      op.value = draw(0, 9) == 0 ? absl::StrCat("shared", draw(0, 2)) : absl::StrCat("c", c, "-", i);
      op.call = absl::Microseconds(now_us);
      op.ret = absl::Microseconds(now_us + length_us);
      const bool unknown = op.kind == RegisterOp::Kind::kWrite && draw(0, 99) < run.unknown_percent;
      const bool takes_effect = !unknown || draw(0, 1) == 1;
      planned.push_back(Planned{op, now_us * 1000 + draw(1, length_us * 1000 - 1), takes_effect});
      if (unknown) planned.back().op.ret = absl::InfiniteDuration();
      now_us += length_us + draw(0, 10);  // 0: the next call at the instant of this return
    }
  }
  std::vector<size_t> order(planned.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return planned[a].effect_ns < planned[b].effect_ns; });
  std::map<std::string, std::optional<std::string>> registers;
  for (size_t i : order) {
    RegisterOp& op = planned[i].op;
    std::optional<std::string>& reg = registers[op.key];
    if (op.kind == RegisterOp::Kind::kWrite) {
      if (planned[i].takes_effect) reg = op.value;
    } else {
      op.found = reg.has_value();
      op.value = reg.value_or("");
    }
  }
  std::vector<RegisterOp> history;
  for (Planned& p : planned) history.push_back(std::move(p.op));
  return history;
}

RC_GTEST_PROP(LinearizabilityProperty, AtomicRegistersPassAndAnInventedReadFails, ()) {
  const Draw draw = [](int64_t lo, int64_t hi) { return *rc::gen::inRange<int64_t>(lo, hi + 1); };
  AtomicRegisterRun run;
  run.clients = static_cast<uint64_t>(draw(1, 5));
  run.ops_per_client = draw(0, 25);
  for (int64_t k = draw(1, 3); k > 0; --k) run.keys.push_back(absl::StrCat("key", k));
  run.read_percent = draw(20, 80);
  run.unknown_percent = draw(0, 30);
  std::vector<RegisterOp> history = SimulateAtomicRegisters(run, draw);

  const LinearizabilityResult pass = CheckRegisterHistory(history);
  RC_ASSERT(pass.ok);
  RC_ASSERT(!pass.exhausted);
  std::vector<RegisterOp> reversed(history.rbegin(), history.rend());
  RC_ASSERT(CheckRegisterHistory(reversed).ok);

  std::vector<size_t> reads;
  for (size_t i = 0; i < history.size(); ++i) {
    if (history[i].kind == RegisterOp::Kind::kRead) reads.push_back(i);
  }
  if (reads.empty()) return;
  RegisterOp& victim = history[reads[draw(0, static_cast<int64_t>(reads.size()) - 1)]];
  victim.found = true;
  victim.value = "invented";
  const LinearizabilityResult fail = CheckRegisterHistory(history);
  RC_ASSERT(!fail.ok);
  RC_ASSERT(Contains(fail.explanation, absl::StrCat("key \"", victim.key, "\": not linearizable")));
  RC_ASSERT(Contains(fail.explanation, "read \"invented\" (never written)"));
  const LinearizabilityResult again = CheckRegisterHistory(history);
  RC_ASSERT(again.explanation == fail.explanation);
  RC_ASSERT(again.states_visited == fail.states_visited);
}

// Whether `a` must be linearized before `b`: intervals are [call, ret), except that
// zero-length ops at one instant are concurrent.
bool Precedes(const RegisterOp& a, const RegisterOp& b) {
  if (a.ret != b.call) return a.ret < b.call;
  return !(a.call == a.ret && b.call == b.ret);
}

// Tries every order of the ops not yet `used` (unknown-outcome writes may also stay out).
bool BruteForceLinearizable(const std::vector<RegisterOp>& h, std::vector<bool>& used,
                            const std::optional<std::string>& value) {
  bool all_known_used = true;
  for (size_t i = 0; i < h.size(); ++i) all_known_used &= used[i] || h[i].ret == absl::InfiniteDuration();
  if (all_known_used) return true;
  for (size_t i = 0; i < h.size(); ++i) {
    if (used[i]) continue;
    bool minimal = true;
    for (size_t j = 0; j < h.size(); ++j) minimal &= used[j] || j == i || !Precedes(h[j], h[i]);
    if (!minimal) continue;
    std::optional<std::string> next = value;
    if (h[i].kind == RegisterOp::Kind::kWrite) {
      next = h[i].value;
    } else if (h[i].found ? value != h[i].value : value.has_value()) {
      continue;
    }
    used[i] = true;
    const bool ok = BruteForceLinearizable(h, used, next);
    used[i] = false;
    if (ok) return true;
  }
  return false;
}

// Small random histories on one key, with many ties, repeated values, absent reads and
// unknown outcomes: the search (with its pruning) agrees with trying every order.
RC_GTEST_PROP(LinearizabilityProperty, AgreesWithBruteForceOnSmallHistories, ()) {
  const int64_t n = *rc::gen::inRange<int64_t>(1, 8);
  std::vector<RegisterOp> h;
  for (int64_t i = 0; i < n; ++i) {
    RegisterOp op;
    op.client = static_cast<uint64_t>(i);
    op.key = "k";
    op.kind = *rc::gen::arbitrary<bool>() ? RegisterOp::Kind::kWrite : RegisterOp::Kind::kRead;
    op.value = *rc::gen::element<std::string>("a", "b", "c");
    op.found = op.kind == RegisterOp::Kind::kWrite || *rc::gen::inRange(0, 4) != 0;
    if (!op.found) op.value = "";
    op.call = absl::Milliseconds(*rc::gen::inRange(0, 7));
    op.ret = op.call + absl::Milliseconds(*rc::gen::inRange(0, 5));
    if (op.kind == RegisterOp::Kind::kWrite && *rc::gen::inRange(0, 3) == 0) op.ret = absl::InfiniteDuration();
    h.push_back(op);
  }
  std::vector<bool> used(h.size(), false);
  const bool expected = BruteForceLinearizable(h, used, std::nullopt);
  const LinearizabilityResult r = CheckRegisterHistory(h);
  RC_ASSERT(!r.exhausted);
  RC_ASSERT(r.ok == expected);
  RC_TAG(expected ? "linearizable" : "not linearizable");
}

// 10 keys, each with 5 clients of 200 ops (10% of writes with unknown outcome).
TEST(LinearizabilityTest, TenKeysOfFiveClientsTimesTwoHundredOpsStaySmall) {
  Random rng(20240611);
  const Draw draw = [&rng](int64_t lo, int64_t hi) { return rng.Range(lo, hi); };
  std::vector<RegisterOp> history;
  for (int k = 0; k < 10; ++k) {
    AtomicRegisterRun run;
    run.clients = 5;
    run.ops_per_client = 200;
    run.keys = {absl::StrCat("key", k)};
    run.unknown_percent = 10;
    run.first_client = 5 * static_cast<uint64_t>(k);
    std::vector<RegisterOp> ops = SimulateAtomicRegisters(run, draw);
    history.insert(history.end(), ops.begin(), ops.end());
  }
  ASSERT_EQ(history.size(), 10'000u);
  const LinearizabilityResult r = CheckRegisterHistory(history);
  EXPECT_TRUE(r.ok) << r.explanation;
  EXPECT_FALSE(r.exhausted);
  EXPECT_GE(r.states_visited, 9'000u);  // every op with a known outcome is one state
  EXPECT_LE(r.states_visited, 50'000u) << r.states_visited;  // 23,050 when written
  std::printf("states visited: %llu\n", static_cast<unsigned long long>(r.states_visited));
}

}  // namespace
}  // namespace quanta::sim
