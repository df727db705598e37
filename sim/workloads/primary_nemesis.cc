#include "sim/workloads/primary_nemesis.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/sim_world.h"

namespace quanta::sim {

PrimaryNemesis::PrimaryNemesis(SimWorld& world, ClusterOracle& oracle, Options options)
    : world_(world), oracle_(oracle), options_(std::move(options)) {}

void PrimaryNemesis::Start() {
  world_.Log(absl::StrCat("cluster: the primary is ", options_.crash ? "crashed" : "",
                          options_.crash && options_.isolate ? " or " : "", options_.isolate ? "isolated" : "",
                          " every ", absl::FormatDuration(options_.mean_interval),
                          options_.newborn > 0 ? absl::StrCat("; ", options_.newborn, " of new primaries at once") : ""));
  if (options_.newborn > 0) {
    oracle_.set_on_new_leader([this](const ClusterOracle::Leader& leader) {
      if (world_.Now() >= options_.until || !world_.rng().Bernoulli(options_.newborn)) return;
      world_.loop().Schedule(absl::Microseconds(world_.rng().Uniform(30000)), nullptr, {"nemesis.newborn", 0, 0, 0},
                             [this, leader] { Crash(leader); });
    });
  }
  ScheduleNext();
}

void PrimaryNemesis::ScheduleNext() {
  const auto delay = absl::Microseconds(world_.rng().Exponential(absl::ToDoubleMicroseconds(options_.mean_interval)));
  if (world_.Now() + delay >= options_.until) return;
  world_.loop().Schedule(delay, nullptr, {"nemesis.primary", 0, 0, 0}, [this] {
    if (options_.one_at_a_time && (oracle_.failover_in_progress() || world_.Now() < busy_until_)) {
      ScheduleNext();
      return;
    }
    const ClusterOracle::Leader leader = oracle_.CurrentLeader();
    const bool crash = options_.crash && (!options_.isolate || world_.rng().Bernoulli(0.5));
    if (crash) {
      Crash(leader);
    } else if (options_.isolate) {
      Isolate(leader);
    }
    ScheduleNext();
  });
}

void PrimaryNemesis::Crash(const ClusterOracle::Leader& leader) {
  SimProcess* p = leader.process.empty() ? nullptr : world_.Find(leader.process);
  if (p == nullptr || !p->up() || world_.Now() >= options_.until) return;
  world_.Log(absl::StrCat(leader.process, " CRASH (the primary of term ", leader.term, ")"));
  oracle_.OnPrimaryLost(leader.term, "crash");
  world_.Crash(*p);
  const absl::Duration down = absl::Milliseconds(20 + world_.rng().Uniform(1500));
  world_.RestartLater(*p, down);
  busy_until_ = world_.Now() + down;
}

void PrimaryNemesis::Isolate(const ClusterOracle::Leader& leader) {
  SimProcess* p = leader.process.empty() ? nullptr : world_.Find(leader.process);
  if (p == nullptr || !p->up()) return;
  std::vector<std::pair<uint32_t, uint32_t>> cut;
  for (const auto& other : world_.processes()) {
    if (other.get() == p) continue;
    for (auto link : {std::make_pair(p->id(), other->id()), std::make_pair(other->id(), p->id())}) {
      if (!world_.network().Reachable(link.first, link.second)) continue;
      world_.network().Cut(link.first, link.second);
      cut.push_back(link);
    }
  }
  const absl::Duration span = absl::Milliseconds(500 + world_.rng().Uniform(3500));
  world_.Log(absl::StrCat(leader.process, " ISOLATED (the primary of term ", leader.term, ") for ",
                          absl::FormatDuration(span)));
  oracle_.OnPrimaryLost(leader.term, "isolation");
  busy_until_ = world_.Now() + span;
  world_.loop().Schedule(span, nullptr, {"nemesis.primary-rejoin", p->id(), 0, 0}, [this, cut] {
    for (const auto& [from, to] : cut) world_.network().Restore(from, to);
  });
}

}  // namespace quanta::sim
