#include "sim/sim_disk.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/env/assert.h"

namespace quanta::sim {
namespace {

constexpr uint64_t kMisdirectMaxSectors = 8;

uint64_t SectorOf(uint64_t offset) { return offset / kSectorBytes; }

absl::string_view DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? absl::string_view() : path.substr(0, slash);
}

absl::string_view BaseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

const char* FaultKindName(FaultEvent::Kind kind) {
  switch (kind) {
    case FaultEvent::Kind::kMisdirectedWrite: return "misdirected-write";
    case FaultEvent::Kind::kLatentSector: return "latent-sector-error";
    case FaultEvent::Kind::kReadBitFlip: return "read-bit-flip";
    case FaultEvent::Kind::kSyncLostWrites: return "sync-eio-lost-writes";
    case FaultEvent::Kind::kLostWrite: return "lost-write";
  }
  return "?";
}

SimDisk::SimDisk(uint64_t seed) : rng_(seed) { dirs_.insert(""); }

absl::StatusOr<std::string> SimDisk::Normalize(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") return absl::InvalidArgumentError(absl::StrCat("path with '..': ", path));
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "/");
}

bool SimDisk::DirExists(absl::string_view dir) const { return dirs_.contains(dir); }

std::shared_ptr<Inode> SimDisk::Lookup(absl::string_view path) const {
  auto normalized = Normalize(path);
  if (!normalized.ok()) return nullptr;
  auto it = names_.find(*normalized);
  return it == names_.end() ? nullptr : it->second;
}

absl::StatusOr<std::shared_ptr<Inode>> SimDisk::Open(absl::string_view raw_path, bool create,
                                                     bool exclusive, bool truncate) {
  auto path = Normalize(raw_path);
  if (!path.ok()) return path.status();
  if (path->empty() || dirs_.contains(*path)) {
    return absl::InvalidArgumentError(absl::StrCat("not a file: ", raw_path));
  }
  if (!DirExists(DirName(*path))) {
    return absl::NotFoundError(absl::StrCat("no such directory for ", raw_path));
  }
  auto it = names_.find(*path);
  if (it != names_.end()) {
    if (create && exclusive) return absl::AlreadyExistsError(absl::StrCat("exists: ", raw_path));
    if (truncate) {
      absl::Status s = Truncate(*it->second, 0);
      if (!s.ok()) return s;
    }
    return it->second;
  }
  if (!create) return absl::NotFoundError(absl::StrCat("no such file: ", raw_path));
  auto inode = std::make_shared<Inode>();
  inode->id = next_inode_++;
  inode->crash_in_sync_scale = std::pow(10.0, -1.0 + 2.5 * rng_.UnitDouble());
  const absl::string_view base = BaseName(*path);
  inode->may_lose_writes = base == kLostWriteFile || base == absl::StrCat(kLostWriteFile, ".tmp");
  inode->may_misdirect = !absl::StartsWith(*path, absl::StrCat(kNoMisdirectDir, "/")) &&
                         path->find(absl::StrCat("/", kNoMisdirectDir, "/")) == std::string::npos;
  names_.emplace(*path, inode);
  pending_ops_.push_back(NamespaceOp{NamespaceOp::Kind::kLink, *path, "", inode});
  return inode;
}

absl::Status SimDisk::Rename(absl::string_view raw_from, absl::string_view raw_to) {
  auto from = Normalize(raw_from);
  auto to = Normalize(raw_to);
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  auto it = names_.find(*from);
  if (it == names_.end()) return absl::NotFoundError(absl::StrCat("no such file: ", raw_from));
  if (!DirExists(DirName(*to)) || dirs_.contains(*to)) {
    return absl::NotFoundError(absl::StrCat("bad rename target: ", raw_to));
  }
  if (*from == *to) return absl::OkStatus();
  std::shared_ptr<Inode> inode = it->second;
  names_.erase(it);
  names_[*to] = inode;
  pending_ops_.push_back(NamespaceOp{NamespaceOp::Kind::kRename, *from, *to, nullptr});
  return absl::OkStatus();
}

absl::Status SimDisk::Remove(absl::string_view raw_path) {
  auto path = Normalize(raw_path);
  if (!path.ok()) return path.status();
  if (!path->empty() && dirs_.contains(*path)) {  // an empty directory
    auto listed = List(*path);
    if (!listed->empty()) return absl::FailedPreconditionError(absl::StrCat("directory not empty: ", raw_path));
    dirs_.erase(*path);  // (directories are not crash-tracked: they exist once created)
    return absl::OkStatus();
  }
  if (names_.erase(*path) == 0) return absl::NotFoundError(absl::StrCat("no such file: ", raw_path));
  pending_ops_.push_back(NamespaceOp{NamespaceOp::Kind::kUnlink, *path, "", nullptr});
  return absl::OkStatus();
}

absl::Status SimDisk::CreateDir(absl::string_view raw_path) {
  auto path = Normalize(raw_path);
  if (!path.ok()) return path.status();
  if (names_.contains(*path)) return absl::AlreadyExistsError(absl::StrCat("a file: ", raw_path));
  absl::string_view rest = *path;
  while (!rest.empty()) {
    dirs_.insert(std::string(rest));
    rest = DirName(rest);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SimDisk::List(absl::string_view raw_dir) const {
  auto dir = Normalize(raw_dir);
  if (!dir.ok()) return dir.status();
  if (!DirExists(*dir)) return absl::NotFoundError(absl::StrCat("no such directory: ", raw_dir));
  absl::btree_set<std::string> entries;
  for (const auto& [path, inode] : names_) {
    if (DirName(path) == *dir) entries.insert(std::string(BaseName(path)));
  }
  for (const std::string& sub : dirs_) {
    if (!sub.empty() && DirName(sub) == *dir) entries.insert(std::string(BaseName(sub)));
  }
  return std::vector<std::string>(entries.begin(), entries.end());
}

void SimDisk::ApplyOp(absl::btree_map<std::string, std::shared_ptr<Inode>>& names,
                      const NamespaceOp& op) {
  switch (op.kind) {
    case NamespaceOp::Kind::kLink:
      names[op.path] = op.inode;
      break;
    case NamespaceOp::Kind::kUnlink:
      names.erase(op.path);
      break;
    case NamespaceOp::Kind::kRename: {
      auto it = names.find(op.path);
      QUANTA_ASSERT(it != names.end());  // ops persist in order: its link came first
      std::shared_ptr<Inode> inode = it->second;
      names.erase(it);
      names[op.target] = inode;
      break;
    }
  }
}

absl::Status SimDisk::SyncDir(absl::string_view raw_dir) {
  auto dir = Normalize(raw_dir);
  if (!dir.ok()) return dir.status();
  if (!DirExists(*dir)) return absl::NotFoundError(absl::StrCat("no such directory: ", raw_dir));
  // Ops persist in order (as a journal commits them): everything up to the last op
  // that touches `dir` becomes durable.
  size_t last = 0;
  for (size_t i = 0; i < pending_ops_.size(); ++i) {
    const NamespaceOp& op = pending_ops_[i];
    if (DirName(op.path) == *dir || (!op.target.empty() && DirName(op.target) == *dir)) {
      last = i + 1;
    }
  }
  for (size_t i = 0; i < last; ++i) ApplyOp(durable_names_, pending_ops_[i]);
  pending_ops_.erase(pending_ops_.begin(), pending_ops_.begin() + static_cast<ptrdiff_t>(last));
  return absl::OkStatus();
}

void SimDisk::MarkDirty(Inode& inode, uint64_t offset, uint64_t length) {
  if (length == 0) return;
  for (uint64_t s = SectorOf(offset); s <= SectorOf(offset + length - 1); ++s) {
    inode.dirty_sectors.insert(s);
  }
}

absl::StatusOr<std::string> SimDisk::Read(Inode& inode, uint64_t offset, size_t length) {
  if (offset >= inode.current.size() || length == 0) return std::string();
  const uint64_t end = std::min<uint64_t>(inode.current.size(), offset + length);
  for (uint64_t s = SectorOf(offset); s <= SectorOf(end - 1); ++s) {
    if (inode.latent_sectors.contains(s)) {
      return absl::DataLossError(absl::StrCat("I/O error reading sector ", s,
                                              " (latent sector error)"));
    }
  }
  std::string data = inode.current.substr(offset, end - offset);
  if (rng_.Bernoulli(rates_.read_bitflip)) {
    const uint64_t byte = rng_.Uniform(data.size());
    data[byte] = static_cast<char>(data[byte] ^ (1u << rng_.Uniform(8)));
    inode.faults.push_back({FaultEvent::Kind::kReadBitFlip, offset + byte, 1});
  }
  return data;
}

absl::Status SimDisk::Write(Inode& inode, uint64_t offset, absl::string_view data) {
  if (data.empty()) return absl::OkStatus();
  if (rates_.full && offset + data.size() > inode.current.size()) {
    return absl::ResourceExhaustedError("no space left on device");
  }
  if (rng_.Bernoulli(rates_.write_eio)) return absl::InternalError("I/O error (EIO) on write");
  if (inode.may_lose_writes && rng_.Bernoulli(rates_.lost_write)) {
    // Acknowledged, never performed: what was there stays (as written and as synced).
    inode.faults.push_back({FaultEvent::Kind::kLostWrite, offset, data.size()});
    if (inode.current.size() < offset + data.size()) {  // the file still grows: the hole reads as zeros
      inode.current.resize(offset + data.size());
      inode.size_dirty = true;
    }
    return absl::OkStatus();
  }
  uint64_t landing = offset;
  if (rng_.Bernoulli(rates_.misdirect) && inode.may_misdirect) {
    // Half the time a few sectors off; else whole on another block of the write's size
    // (a page write on another page), so checks of a page's own id and checksum pass.
    const uint64_t block = (data.size() + kSectorBytes - 1) / kSectorBytes * kSectorBytes;
    const bool whole = rng_.Bernoulli(0.5);
    const uint64_t shift = (1 + rng_.Uniform(kMisdirectMaxSectors)) * (whole ? block : kSectorBytes);
    landing = (offset >= shift && rng_.Bernoulli(0.5)) ? offset - shift : offset + shift;
    inode.faults.push_back({FaultEvent::Kind::kMisdirectedWrite, offset, data.size()});
    inode.faults.push_back({FaultEvent::Kind::kMisdirectedWrite, landing, data.size()});
  }
  if (inode.current.size() < landing + data.size()) {
    inode.current.resize(landing + data.size());
    inode.size_dirty = true;
  }
  inode.current.replace(landing, data.size(), data.data(), data.size());
  MarkDirty(inode, landing, data.size());
  for (uint64_t s = SectorOf(landing); s <= SectorOf(landing + data.size() - 1); ++s) {
    inode.latent_sectors.erase(s);  // a rewritten sector is remapped
  }
  if (rng_.Bernoulli(rates_.latent_sector) && !inode.current.empty()) {
    const uint64_t s = rng_.Uniform(SectorOf(inode.current.size() - 1) + 1);
    inode.latent_sectors.insert(s);
    inode.faults.push_back({FaultEvent::Kind::kLatentSector, s * kSectorBytes, kSectorBytes});
  }
  return absl::OkStatus();
}

absl::Status SimDisk::Truncate(Inode& inode, uint64_t size) {
  const uint64_t old_size = inode.current.size();
  if (rates_.full && size > old_size) return absl::ResourceExhaustedError("no space left on device");
  inode.current.resize(size);
  inode.size_dirty = true;
  const uint64_t lo = std::min(old_size, size);
  const uint64_t hi = std::max(old_size, size);
  MarkDirty(inode, lo, hi - lo);
  return absl::OkStatus();
}

void SimDisk::PersistSector(Inode& inode, uint64_t sector) {
  const uint64_t begin = sector * kSectorBytes;
  if (begin >= inode.current.size()) return;
  const uint64_t end = std::min<uint64_t>(inode.current.size(), begin + kSectorBytes);
  if (inode.durable.size() < end) inode.durable.resize(end);
  inode.durable.replace(begin, end - begin, inode.current, begin, end - begin);
}

absl::Status SimDisk::Sync(Inode& inode, const absl::btree_set<uint64_t>& sectors) {
  if (rng_.Bernoulli(rates_.sync_eio)) {
    // fsyncgate: the kernel reports EIO once and forgets the dirty pages.
    for (uint64_t s : sectors) {
      if (inode.dirty_sectors.erase(s) == 1) {
        inode.faults.push_back({FaultEvent::Kind::kSyncLostWrites, s * kSectorBytes, kSectorBytes});
      }
    }
    return absl::InternalError("I/O error (EIO) on fsync");
  }
  inode.durable.resize(inode.current.size());
  inode.size_dirty = false;
  for (uint64_t s : sectors) {
    if (inode.dirty_sectors.erase(s) == 1) PersistSector(inode, s);
  }
  return absl::OkStatus();
}

void SimDisk::CrashFile(Inode& inode) {
  uint64_t size = inode.durable.size();
  if (inode.size_dirty && rng_.Bernoulli(0.5)) size = inode.current.size();
  std::string result = inode.durable;
  result.resize(size);
  const bool keep_all = rng_.Bernoulli(0.5);
  for (uint64_t s : inode.dirty_sectors) {
    const uint64_t begin = s * kSectorBytes;
    if (begin >= size) break;
    const uint64_t end = std::min<uint64_t>(size, begin + kSectorBytes);
    enum { kKeepNew, kKeepOld, kZero } fate = keep_all ? kKeepNew : kKeepOld;
    if (rates_.torn_on_crash) fate = static_cast<decltype(fate)>(rng_.Uniform(3));
    if (fate == kKeepNew) {
      for (uint64_t i = begin; i < end; ++i) {
        result[i] = i < inode.current.size() ? inode.current[i] : '\0';
      }
    } else if (fate == kZero) {
      // The sector's new bytes were lost as zeros; bytes synced earlier and not
      // rewritten since survive (what an acknowledged sync promised).
      for (uint64_t i = begin; i < end; ++i) {
        const bool rewritten = i >= inode.durable.size() ||
                               (i < inode.current.size() && inode.current[i] != inode.durable[i]);
        if (rewritten) result[i] = '\0';
      }
    }
  }
  inode.current = result;
  inode.durable = std::move(result);
  inode.dirty_sectors.clear();
  inode.size_dirty = false;
}

absl::Duration SimDisk::SampleLatency(bool is_sync) {
  absl::Duration latency = is_sync ? absl::Microseconds(100 + rng_.Exponential(1000))
                                   : absl::Microseconds(rng_.Range(5, 150));
  if (rng_.Bernoulli(rates_.stall)) latency += absl::Milliseconds(rng_.Range(10, 500));
  return latency;
}

void SimDisk::Crash() {
  const size_t survivors = rng_.Uniform(pending_ops_.size() + 1);
  for (size_t i = 0; i < survivors; ++i) ApplyOp(durable_names_, pending_ops_[i]);
  pending_ops_.clear();
  names_ = durable_names_;
  absl::btree_map<uint64_t, Inode*> inodes;  // by id: deterministic order, once each
  for (const auto& [path, inode] : names_) inodes.emplace(inode->id, inode.get());
  for (const auto& [id, inode] : inodes) CrashFile(*inode);
}

}  // namespace quanta::sim
