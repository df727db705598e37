// BufferPool: a bounded cache of data-file pages with LRU replacement.
//
// Fetch() returns a pinned page (loaded and verified against its reference on a miss);
// a pinned page stays in memory and in place until its Ref is destroyed. Changed
// pages are sealed by their writer (page.h: before anything refers to the new
// version) and marked dirty, and written back as they are when evicted or by a
// checkpoint (FreezeDirty). Because the store uses
// shadow paging, a dirty page always lives at a fresh location, so writing it early
// never harms the last checkpoint.
//
// Capacity is `buffer_pool_size` in pages. If every frame is pinned, the pool grows
// past capacity by at most kMaxOvercommitFrames (operations pin a root-to-leaf path,
// not more); beyond that is a bug and asserts.
//
// Threading: one loop; callers serialize operations (the Store's mutex), so one
// coroutine at a time drives the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "engine/env/task.h"
#include "engine/storage/page_file.h"

namespace quanta::storage {

inline constexpr size_t kMaxOvercommitFrames = 64;

struct BufferPoolStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t dirty_writes = 0;  // pages written back before a checkpoint
  double HitRatio() const { return hits + misses == 0 ? 1.0 : static_cast<double>(hits) / (hits + misses); }
};

class BufferPool {
  struct Frame;

 public:
  // A pin on a page. Movable; unpins on destruction.
  class Ref {
   public:
    Ref() = default;
    Ref(BufferPool* pool, Frame* frame);
    Ref(Ref&& other) noexcept;
    Ref& operator=(Ref&& other) noexcept;
    ~Ref();
    char* data();
    const char* data() const;
    PageId id() const;
    void MarkDirty();
    explicit operator bool() const { return frame_ != nullptr; }

   private:
    void Release();
    BufferPool* pool_ = nullptr;
    Frame* frame_ = nullptr;
  };

  BufferPool(PageFile& file, size_t capacity_pages);
  ~BufferPool();

  // Checks a page's structure once, when it is loaded from disk (after its checksum);
  // an error fails the Fetch. Default: none.
  void set_validator(std::function<absl::Status(const char* page)> validator) {
    validator_ = std::move(validator);
  }

  // Returns page `ref.id` pinned, reading it on a miss and checking it is the version
  // `ref` names (kDataLoss if corrupt, stale or misdirected). A resident page is the
  // newest version, so a resident page of another checksum is a broken reference:
  // that asserts.
  Task<absl::StatusOr<Ref>> Fetch(const PageRef& ref);
  // Returns a new all-zero page `id`, pinned and dirty, without reading.
  Task<absl::StatusOr<Ref>> Create(PageId id);
  // Forgets page `id` without writing it (the page was freed). REQUIRES: unpinned.
  void Discard(PageId id);
  // Checkpoints. FreezeDirty() returns the dirty pages (ascending) as the checkpoint
  // that ends the current epoch must write them; the caller guarantees they are now
  // immutable (shadow paging). A frozen page stays in memory until written: if it is
  // freed first, Discard keeps a copy aside (bounded by the pages frozen). CopyFrozen() copies a frozen page still
  // dirty here into `out` (false: eviction already wrote it); once the copy is written,
  // MarkFrozenWritten() makes the frame clean. Evicting a frozen page writes it as usual.
  std::vector<PageId> FreezeDirty();
  bool CopyFrozen(PageId id, char* out);
  void MarkFrozenWritten(PageId id);
  size_t frozen() const { return frozen_.size(); }

  const BufferPoolStats& stats() const { return stats_; }
  size_t capacity() const { return capacity_; }
  size_t size() const { return frames_.size(); }
  size_t dirty() const { return dirty_.size(); }

 private:
  struct Frame {
    PageId id = 0;
    PageBuffer data;
    int pins = 0;
    bool dirty = false;
    bool in_lru = false;
    std::list<Frame*>::iterator lru;
  };
  // Makes room for one more frame, writing back a dirty victim if needed.
  Task<absl::Status> MakeRoom();
  Frame* Insert(PageId id);
  void Pin(Frame* frame);
  void Unpin(Frame* frame);
  Task<absl::Status> WriteBack(Frame* frame);

  PageFile& file_;
  size_t capacity_;
  std::function<absl::Status(const char*)> validator_;
  absl::flat_hash_map<PageId, std::unique_ptr<Frame>> frames_;  // lookup-only
  std::list<Frame*> lru_;             // unpinned frames, least recently used first
  absl::btree_set<PageId> dirty_;     // ordered: write-back order is deterministic
  absl::btree_set<PageId> frozen_;    // dirty pages a checkpoint in flight must write
  absl::btree_map<PageId, PageBuffer> orphans_;  // frozen pages freed before written
  BufferPoolStats stats_;
};

}  // namespace quanta::storage
