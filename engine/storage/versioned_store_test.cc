// VersionedStore against a model of every version's state: views taken at random
// moments while commits go on (some while a commit is in flight) read exactly their
// version — point reads and scans in both directions, bounded and not — and undos are
// gone once no view needs them; past the undo bound the oldest views are cut off.
#include "engine/storage/versioned_store.h"

#include <map>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"
#include "engine/env/random.h"
#include "sim/testing.h"

namespace quanta::storage {
namespace {

using State = std::map<std::pair<TreeId, std::string>, std::string>;
constexpr TreeId kTrees[] = {1, 2};

struct Fixture {
  explicit Fixture(uint64_t seed) : node(seed) {
    node.Run(Open(this));
    QUANTA_ASSERT(store != nullptr);
  }
  static Task<void> Open(Fixture* f) {
    StoreOptions o;
    o.buffer_pool_bytes = 8 * kPageBytes;  // smaller than the data: reads wait for the disk, and race commits
    auto store = co_await Store::Open(f->node.env(), o);
    QUANTA_ASSERT(store.ok());
    f->store = *std::move(store);
  }
  sim::TestNode node;
  std::unique_ptr<Store> store;
};

std::string Key(uint64_t i) { return absl::StrCat("k", i / 10, i % 10); }

// A random write set over a small key space, and the state after it.
WriteSet RandomWrites(Random& rng, uint64_t version, State* state) {
  WriteSet ws;
  const uint64_t ops = 1 + rng.Uniform(6);
  for (uint64_t i = 0; i < ops; ++i) {
    const TreeId tree = kTrees[rng.Uniform(2)];
    const std::string key = Key(rng.Uniform(40));
    if (rng.Bernoulli(0.3)) {
      ws.Delete(tree, key);
      state->erase({tree, key});
    } else {
      std::string value = absl::StrCat("v", version, "-", i, std::string(rng.Bernoulli(0.2) ? 1600 + rng.Uniform(2000) : rng.Uniform(300), 'x'));
      (*state)[{tree, key}] = value;
      ws.Put(tree, key, std::move(value));
    }
  }
  return ws;
}

// The model's answer to a scan of `range` in `tree`.
std::vector<KeyValue> Expected(const State& state, TreeId tree, const ScanRange& range) {
  std::vector<KeyValue> rows;
  for (const auto& [tk, value] : state) {
    if (tk.first == tree && tk.second >= range.start && (!range.end || tk.second < *range.end)) rows.push_back({tk.second, value});
  }
  if (range.reverse) std::reverse(rows.begin(), rows.end());
  if (rows.size() > range.limit) rows.resize(range.limit);
  return rows;
}

struct Run {
  VersionedStore* versions = nullptr;
  Env* env = nullptr;
  std::vector<State> states;  // states[v]: after commit v (states[0]: empty)
  std::vector<WriteSet> commits;  // commits[v - 1] makes version v
  size_t checked = 0, too_old = 0;
  std::string failure;  // the first disagreement
};

Task<void> Committer(Run* run) {
  for (size_t v = 1; v <= run->commits.size(); ++v) {
    auto lsn = co_await run->versions->Commit(run->commits[v - 1], v);
    QUANTA_ASSERT(lsn.ok());
    (void)co_await run->env->Sleep(absl::Microseconds(run->env->Rng().Uniform(3000)));
  }
}

// Takes views at random moments and checks random reads through each against its state.
Task<void> Reader(Run* run, uint64_t seed) {
  Random rng(seed);
  for (int views = 0; views < 6; ++views) {
    (void)co_await run->env->Sleep(absl::Microseconds(rng.Uniform(8000)));
    ReadView view = run->versions->View();
    QUANTA_ASSERT(view.version() <= run->commits.size());
    const State& state = run->states[view.version()];
    for (int reads = 0; reads < 5; ++reads) {
      const TreeId tree = kTrees[rng.Uniform(2)];
      if (rng.Bernoulli(0.5)) {
        const std::string key = Key(rng.Uniform(40));
        auto value = co_await run->versions->Get(view, tree, key);
        if (!value.ok()) {
          QUANTA_ASSERT(absl::IsFailedPrecondition(value.status()));
          ++run->too_old;
          break;
        }
        auto it = state.find({tree, key});
        const std::optional<std::string> want = it == state.end() ? std::nullopt : std::optional<std::string>(it->second);
        if (*value != want && run->failure.empty()) {
          run->failure = absl::StrCat("Get ", tree, "/", key, " at version ", view.version(), ": got ",
                                      value->value_or("(absent)").substr(0, 12), ", want ", want.value_or("(absent)").substr(0, 12));
        }
      } else {
        ScanRange range;
        range.start = rng.Bernoulli(0.3) ? "" : Key(rng.Uniform(40));
        if (rng.Bernoulli(0.5)) range.end = Key(rng.Uniform(40));
        range.reverse = rng.Bernoulli(0.4);
        range.limit = rng.Bernoulli(0.5) ? SIZE_MAX : 1 + rng.Uniform(12);
        ScanBatch batch;
        const absl::Status scanned = co_await run->versions->ScanInto(view, tree, range, &batch);
        if (!scanned.ok()) {
          QUANTA_ASSERT(absl::IsFailedPrecondition(scanned));
          ++run->too_old;
          break;
        }
        const std::vector<KeyValue> want = Expected(state, tree, range);
        bool same = batch.size() == want.size();
        for (size_t i = 0; same && i < want.size(); ++i) same = batch.key(i) == want[i].key && batch.value(i) == want[i].value;
        if (!same && run->failure.empty()) {
          run->failure = absl::StrCat("Scan of ", tree, " from '", range.start, "' to '", range.end.value_or("(end)"),
                                      range.reverse ? "' reverse" : "'", " limit ", range.limit, " at version ",
                                      view.version(), ": ", batch.size(), " rows, want ", want.size());
        }
      }
      ++run->checked;
      (void)co_await run->env->Sleep(absl::Microseconds(rng.Uniform(4000)));
    }
  }
}

Task<void> RunAll(Run* run, uint64_t seed, int readers) {
  bool committed = false;
  int done = 0;
  auto commit_then = [](Run* r, bool* flag) -> Task<void> {
    co_await Committer(r);
    *flag = true;
  };
  auto read_then = [](Run* r, uint64_t s, int* count) -> Task<void> {
    co_await Reader(r, s);
    ++*count;
  };
  run->env->Spawn(commit_then(run, &committed));
  for (int i = 0; i < readers; ++i) run->env->Spawn(read_then(run, seed * 31 + i, &done));
  while (!committed || done < readers) (void)co_await run->env->Sleep(absl::Milliseconds(1));
}

// One run: `commits` random commits beside `readers` readers; the undo bound `bound`.
void CheckRun(uint64_t seed, size_t commits, int readers, uint64_t bound, Run* run) {
  Fixture f(seed);
  VersionedStoreOptions options;
  options.max_undo_bytes = bound;
  VersionedStore versions(f.node.env(), *f.store, 0, options);
  Random rng(seed);
  run->versions = &versions;
  run->env = &f.node.env();
  run->states.push_back(State());
  for (size_t v = 1; v <= commits; ++v) {
    State next = run->states.back();
    run->commits.push_back(RandomWrites(rng, v, &next));
    run->states.push_back(std::move(next));
  }
  f.node.Run(RunAll(run, seed, readers));
  EXPECT_EQ(versions.live_views(), 0u);
  EXPECT_EQ(versions.retained_bytes(), 0u);  // no view left: no undo kept
  run->versions = nullptr;
}

RC_GTEST_PROP(VersionedStoreProperty, ViewsReadExactlyTheirVersionWhileCommitsGoOn, ()) {
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  Run run;
  CheckRun(seed, 40, 4, uint64_t{1} << 30, &run);
  RC_ASSERT(run.failure == "");
  RC_ASSERT(run.too_old == 0u);
  RC_ASSERT(run.checked > 0u);
}

RC_GTEST_PROP(VersionedStoreProperty, PastTheBoundOldViewsAreCutOffNeverWrong, ()) {
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1u << 30);
  Run run;
  CheckRun(seed, 40, 4, 2000, &run);  // a few undos' worth
  RC_ASSERT(run.failure == "");
  RC_TAG(run.too_old > 0 ? "some views cut off" : "none cut off");
}

Task<void> Step(VersionedStore* versions, Version version, WriteSet ws) {
  auto lsn = co_await versions->Commit(std::move(ws), version);
  QUANTA_ASSERT(lsn.ok());
}

Task<void> ExpectValue(VersionedStore* versions, const ReadView* view, std::string key, std::optional<std::string> want) {
  auto value = co_await versions->Get(*view, 1, key);
  EXPECT_TRUE(value.ok()) << value.status();
  if (value.ok()) EXPECT_EQ(*value, want) << key << " at " << view->version();
}

TEST(VersionedStoreTest, AViewKeepsItsVersionAndItsUndosGoWithIt) {
  Fixture f(7);
  VersionedStore versions(f.node.env(), *f.store, 0);
  WriteSet first;
  first.Put(1, "a", "1");
  first.Put(1, "b", "1");
  f.node.Run(Step(&versions, 1, std::move(first)));
  EXPECT_EQ(versions.retained_bytes(), 0u);  // no view was older: nothing recorded
  {
    ReadView view = versions.View();
    EXPECT_EQ(view.version(), 1u);
    WriteSet second;
    second.Put(1, "a", "2");
    second.Delete(1, "b");
    second.Put(1, "c", "2");
    f.node.Run(Step(&versions, 2, std::move(second)));
    EXPECT_GT(versions.retained_bytes(), 0u);
    f.node.Run(ExpectValue(&versions, &view, "a", "1"));
    f.node.Run(ExpectValue(&versions, &view, "b", "1"));
    f.node.Run(ExpectValue(&versions, &view, "c", std::nullopt));
    ReadView now = versions.View();
    f.node.Run(ExpectValue(&versions, &now, "a", "2"));
    f.node.Run(ExpectValue(&versions, &now, "b", std::nullopt));
  }
  EXPECT_EQ(versions.live_views(), 0u);
  EXPECT_EQ(versions.retained_bytes(), 0u);
}

Task<void> ExpectTooOld(VersionedStore* versions, const ReadView* view) {
  auto value = co_await versions->Get(*view, 1, "a");
  EXPECT_TRUE(absl::IsFailedPrecondition(value.status())) << value.status();
  EXPECT_NE(value.status().message().find("snapshot too old"), std::string::npos) << value.status();
}

TEST(VersionedStoreTest, PastTheUndoBoundTheOldestViewIsCutOff) {
  Fixture f(8);
  VersionedStoreOptions options;
  options.max_undo_bytes = 1000;
  VersionedStore versions(f.node.env(), *f.store, 0, options);
  WriteSet seed;
  seed.Put(1, "a", std::string(600, 'a'));
  f.node.Run(Step(&versions, 1, std::move(seed)));
  ReadView old = versions.View();
  for (Version v = 2; v <= 3; ++v) {
    WriteSet ws;
    ws.Put(1, "a", std::string(600, static_cast<char>('a' + v)));
    f.node.Run(Step(&versions, v, std::move(ws)));
  }
  EXPECT_EQ(versions.views_cut_off(), 1u);
  EXPECT_LE(versions.retained_bytes(), 1000u);
  f.node.Run(ExpectTooOld(&versions, &old));
  ReadView fresh = versions.View();
  f.node.Run(ExpectValue(&versions, &fresh, "a", std::string(600, 'd')));
}

}  // namespace
}  // namespace quanta::storage
