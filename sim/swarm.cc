#include "sim/swarm.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/env/assert.h"
#include "sim/sim_world.h"

namespace quanta::sim {
namespace {

struct FamilyName {
  FaultFamily family;
  absl::string_view name;
};

constexpr FamilyName kFamilyNames[] = {
    {FaultFamily::kCrash, "crash"},
    {FaultFamily::kPause, "pause"},
    {FaultFamily::kPartition, "partition"},
    {FaultFamily::kNetReset, "net-reset"},
    {FaultFamily::kNetStall, "net-stall"},
    {FaultFamily::kNetSlow, "net-slow"},
    {FaultFamily::kClockDrift, "clock-drift"},
    {FaultFamily::kClockJump, "clock-jump"},
    {FaultFamily::kDiskTorn, "disk-torn"},
    {FaultFamily::kDiskEio, "disk-eio"},
    {FaultFamily::kDiskBitFlip, "disk-bitflip"},
    {FaultFamily::kDiskLatent, "disk-latent"},
    {FaultFamily::kDiskMisdirect, "disk-misdirect"},
    {FaultFamily::kDiskFull, "disk-full"},
    {FaultFamily::kDiskSlow, "disk-slow"},
    {FaultFamily::kDiskLostWrite, "disk-lost-write"},
};

// A probability drawn log-uniformly from [10^lo, 10^hi].
double LogUniform(Random& rng, double lo, double hi) {
  return std::pow(10.0, lo + (hi - lo) * rng.UnitDouble());
}

absl::Duration UniformDuration(Random& rng, absl::Duration lo, absl::Duration hi) {
  return absl::Microseconds(rng.Range(absl::ToInt64Microseconds(lo), absl::ToInt64Microseconds(hi)));
}

}  // namespace

const std::vector<FaultFamily>& AllFaultFamilies() {
  static const std::vector<FaultFamily> all = [] {
    std::vector<FaultFamily> v;
    for (const FamilyName& f : kFamilyNames) v.push_back(f.family);
    return v;
  }();
  return all;
}

absl::string_view FaultFamilyName(FaultFamily family) {
  for (const FamilyName& f : kFamilyNames) {
    if (f.family == family) return f.name;
  }
  QUANTA_UNREACHABLE("unnamed fault family");
}

absl::StatusOr<absl::btree_set<FaultFamily>> ParseFaultFamilies(absl::string_view list) {
  absl::btree_set<FaultFamily> out;
  if (list == "all") {
    out.insert(AllFaultFamilies().begin(), AllFaultFamilies().end());
    return out;
  }
  if (list == "none" || list.empty()) return out;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    bool found = false;
    for (const FamilyName& f : kFamilyNames) {
      if (f.name == name) {
        out.insert(f.family);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (const FamilyName& f : kFamilyNames) absl::StrAppend(&known, known.empty() ? "" : ",", f.name);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown fault family '", name, "' (known: all, none, ", known, ")"));
    }
  }
  return out;
}

SwarmParams ChooseSwarm(Random& rng, const absl::btree_set<FaultFamily>& allowed) {
  SwarmParams p;
  for (FaultFamily f : allowed) {
    if (rng.Bernoulli(0.5)) p.on.insert(f);
  }
  p.fault_phase = UniformDuration(rng, absl::Seconds(5), absl::Seconds(30));
  p.heal_phase = absl::Seconds(10);
  p.nemesis_mean_interval = UniformDuration(rng, absl::Milliseconds(200), absl::Seconds(3));

  if (p.Has(FaultFamily::kNetReset)) p.net.reset_per_chunk = LogUniform(rng, -4, -2);
  if (p.Has(FaultFamily::kNetStall)) p.net.stall_per_chunk = LogUniform(rng, -4, -2.5);
  if (p.Has(FaultFamily::kNetSlow)) {
    p.net.spike_per_chunk = LogUniform(rng, -3, -1);
    p.net.latency_base_max = UniformDuration(rng, absl::Milliseconds(1), absl::Milliseconds(50));
  }
  p.net.reset_after_blocked = UniformDuration(rng, absl::Seconds(1), absl::Seconds(10));
  p.net.connect_timeout = UniformDuration(rng, absl::Milliseconds(500), absl::Seconds(3));

  p.disk.torn_on_crash = p.Has(FaultFamily::kDiskTorn);
  if (p.Has(FaultFamily::kCrash)) p.disk.crash_in_sync = LogUniform(rng, -3, -1);
  if (p.Has(FaultFamily::kDiskEio)) {
    p.disk.write_eio = LogUniform(rng, -4, -2);
    p.disk.sync_eio = LogUniform(rng, -3, -1.5);
  }
  if (p.Has(FaultFamily::kDiskBitFlip)) p.disk.read_bitflip = LogUniform(rng, -4, -2);
  if (p.Has(FaultFamily::kDiskLatent)) p.disk.latent_sector = LogUniform(rng, -4, -2.5);
  if (p.Has(FaultFamily::kDiskMisdirect)) p.disk.misdirect = LogUniform(rng, -4, -2.5);
  if (p.Has(FaultFamily::kDiskSlow)) p.disk.stall = LogUniform(rng, -3, -1);
  if (p.Has(FaultFamily::kDiskLostWrite)) p.disk.lost_write = LogUniform(rng, -4, -2.5);

  if (p.Has(FaultFamily::kClockDrift)) p.clock_drift_ppm_max = rng.Range(1, kMaxClockDriftPpm);
  if (p.Has(FaultFamily::kClockJump)) {
    p.clock_jump_max = UniformDuration(rng, absl::Seconds(1), absl::Seconds(120));
  }
  return p;
}

std::string SwarmParams::Describe() const {
  std::string out = "faults=";
  bool first = true;
  for (FaultFamily f : on) {
    absl::StrAppend(&out, first ? "" : ",", FaultFamilyName(f));
    first = false;
  }
  if (first) out += "none";
  absl::StrAppend(&out, "\nfault_phase=", absl::FormatDuration(fault_phase),
                  "\nheal_phase=", absl::FormatDuration(heal_phase),
                  "\nnemesis_mean_interval=", absl::FormatDuration(nemesis_mean_interval));
  absl::StrAppend(&out, "\nnet.reset_per_chunk=", net.reset_per_chunk,
                  "\nnet.stall_per_chunk=", net.stall_per_chunk,
                  "\nnet.spike_per_chunk=", net.spike_per_chunk,
                  "\nnet.latency_base_max=", absl::FormatDuration(net.latency_base_max),
                  "\nnet.reset_after_blocked=", absl::FormatDuration(net.reset_after_blocked),
                  "\nnet.connect_timeout=", absl::FormatDuration(net.connect_timeout));
  absl::StrAppend(&out, "\ndisk.torn_on_crash=", disk.torn_on_crash ? "true" : "false",
                  "\ndisk.write_eio=", disk.write_eio, "\ndisk.sync_eio=", disk.sync_eio,
                  "\ndisk.read_bitflip=", disk.read_bitflip,
                  "\ndisk.latent_sector=", disk.latent_sector, "\ndisk.misdirect=", disk.misdirect,
                  "\ndisk.lost_write=", disk.lost_write,
                  "\ndisk.stall=", disk.stall, "\ndisk.crash_in_sync=", disk.crash_in_sync);
  absl::StrAppend(&out, "\nclock.drift_ppm_max=", clock_drift_ppm_max,
                  "\nclock.jump_max=", absl::FormatDuration(clock_jump_max));
  return out;
}

// ---- Nemesis ----

Nemesis::Nemesis(SimWorld& world, const SwarmParams& params) : world_(world), params_(params) {}

void Nemesis::Start() {
  active_ = true;
  world_.network().set_rates(params_.net);
  for (const auto& process : world_.processes()) {
    process->disk().set_rates(params_.disk);
    const int64_t d = params_.clock_drift_ppm_max;
    process->mono_drift_ppm = d > 0 ? world_.rng().Range(-d, d) : 0;
    process->wall_drift_ppm = d > 0 ? world_.rng().Range(-4 * d, 4 * d) : 0;
  }
  ScheduleNext();
}

void Nemesis::ScheduleNext() {
  const bool any = params_.Has(FaultFamily::kCrash) || params_.Has(FaultFamily::kPause) ||
                   params_.Has(FaultFamily::kPartition) || params_.Has(FaultFamily::kClockJump) ||
                   params_.Has(FaultFamily::kDiskFull);
  if (!active_ || !any) return;
  const double mean_us = absl::ToDoubleMicroseconds(params_.nemesis_mean_interval);
  const auto delay = absl::Microseconds(world_.rng().Exponential(mean_us));
  world_.loop().Schedule(delay, nullptr, {"nemesis", 0, 0, 0}, [this] {
    if (!active_) return;
    Act();
    ScheduleNext();
  });
}

SimProcess* Nemesis::PickProcess(bool running_only) {
  std::vector<SimProcess*> candidates;
  for (const auto& process : world_.processes()) {
    if (process->up() && (!running_only || !process->paused())) candidates.push_back(process.get());
  }
  if (candidates.empty()) return nullptr;
  return candidates[world_.rng().Uniform(candidates.size())];
}

void Nemesis::Act() {
  static constexpr FaultFamily kDiscrete[] = {FaultFamily::kCrash, FaultFamily::kPause,
                                              FaultFamily::kPartition, FaultFamily::kClockJump,
                                              FaultFamily::kDiskFull};
  std::vector<FaultFamily> enabled;
  for (FaultFamily f : kDiscrete) {
    if (params_.Has(f)) enabled.push_back(f);
  }
  QUANTA_ASSERT(!enabled.empty());
  Random& rng = world_.rng();
  const FaultFamily family = enabled[rng.Uniform(enabled.size())];
  ++faults_injected_;
  switch (family) {
    case FaultFamily::kCrash: {
      SimProcess* p = PickProcess(false);
      if (p == nullptr) return;
      world_.Crash(*p);
      world_.RestartLater(*p, UniformDuration(rng, absl::ZeroDuration(), absl::Seconds(3)));
      return;
    }
    case FaultFamily::kPause: {
      SimProcess* p = PickProcess(true);
      if (p == nullptr) return;
      world_.Pause(*p);
      const uint64_t incarnation = p->incarnations();
      world_.loop().Schedule(UniformDuration(rng, absl::Milliseconds(10), absl::Seconds(3)), nullptr,
                             {"nemesis.resume", p->id(), 0, 0}, [this, p, incarnation] {
                               if (p->paused() && p->incarnations() == incarnation) world_.Resume(*p);
                             });
      return;
    }
    case FaultFamily::kPartition:
      Partition();
      return;
    case FaultFamily::kClockJump: {
      SimProcess* p = PickProcess(false);
      if (p == nullptr) return;
      const int64_t max_us = absl::ToInt64Microseconds(params_.clock_jump_max);
      const absl::Duration jump = absl::Microseconds(rng.Range(-max_us, max_us));
      p->wall_offset += jump;
      world_.Log(absl::StrCat(p->name(), " CLOCK JUMP ", absl::FormatDuration(jump)));
      return;
    }
    case FaultFamily::kDiskFull: {
      SimProcess* p = PickProcess(false);
      if (p == nullptr) return;
      FaultRates rates = p->disk().rates();
      rates.full = true;
      p->disk().set_rates(rates);
      world_.Log(absl::StrCat(p->name(), " DISK FULL"));
      world_.loop().Schedule(UniformDuration(rng, absl::Milliseconds(100), absl::Seconds(3)), nullptr,
                             {"nemesis.disk-free", p->id(), 0, 0}, [p] {
                               FaultRates r = p->disk().rates();
                               r.full = false;
                               p->disk().set_rates(r);
                             });
      return;
    }
    default:
      QUANTA_UNREACHABLE("not a discrete fault");
  }
}

void Nemesis::Partition() {
  Random& rng = world_.rng();
  const auto& procs = world_.processes();
  const size_t n = procs.size();
  if (n < 2) return;
  const uint32_t x = procs[rng.Uniform(n)]->id();
  const int shape = static_cast<int>(rng.Uniform(4));
  std::string description;
  for (const auto& other : procs) {
    const uint32_t y = other->id();
    if (y == x) continue;
    switch (shape) {
      case 0:  // isolate x
        world_.network().Cut(x, y);
        world_.network().Cut(y, x);
        break;
      case 1:  // asymmetric: x can send but not receive
        world_.network().Cut(y, x);
        break;
      case 2:  // split into two random halves (below)
        break;
      case 3:  // x cut off from some peers but not others
        if (rng.Bernoulli(0.5)) {
          world_.network().Cut(x, y);
          world_.network().Cut(y, x);
        }
        break;
    }
  }
  if (shape == 2) {
    // Extend the split: every pair across a random bipartition is cut.
    std::vector<bool> side(n);
    for (size_t i = 0; i < n; ++i) side[i] = rng.Bernoulli(0.5);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (side[i] != side[j]) world_.network().Cut(procs[i]->id(), procs[j]->id());
      }
    }
  }
  static constexpr const char* kShapes[] = {"isolate", "asymmetric", "split", "partial"};
  world_.Log(absl::StrCat("PARTITION ", kShapes[shape], " around node ", x, " (",
                          world_.network().cut_links(), " links cut)"));
  world_.loop().Schedule(UniformDuration(rng, absl::Milliseconds(200), absl::Seconds(5)), nullptr,
                         {"nemesis.heal-partition", x, 0, 0}, [this] {
                           if (!active_) return;
                           world_.network().HealAll();
                           world_.Log("partition healed");
                         });
}

void Nemesis::Heal() {
  active_ = false;
  world_.Log("HEAL: faults stop");
  NetRates calm = params_.net;
  calm.reset_per_chunk = calm.stall_per_chunk = calm.spike_per_chunk = 0;
  world_.network().set_rates(calm);
  world_.network().HealAll();
  for (const auto& process : world_.processes()) {
    process->disk().set_rates(FaultRates{});
    if (process->paused()) world_.Resume(*process);
    if (!process->up()) world_.Restart(*process);
  }
}

}  // namespace quanta::sim
