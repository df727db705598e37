#include "engine/storage/buffer_pool.h"

#include <cstring>

#include "engine/env/assert.h"
#include "engine/env/status.h"

namespace quanta::storage {

BufferPool::Ref::Ref(BufferPool* pool, Frame* frame) : pool_(pool), frame_(frame) { pool_->Pin(frame_); }
BufferPool::Ref::Ref(Ref&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), frame_(std::exchange(other.frame_, nullptr)) {}
BufferPool::Ref& BufferPool::Ref::operator=(Ref&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    frame_ = std::exchange(other.frame_, nullptr);
  }
  return *this;
}
BufferPool::Ref::~Ref() { Release(); }
void BufferPool::Ref::Release() {
  if (frame_ != nullptr) pool_->Unpin(std::exchange(frame_, nullptr));
}
char* BufferPool::Ref::data() { return frame_->data.data(); }
const char* BufferPool::Ref::data() const { return frame_->data.data(); }
PageId BufferPool::Ref::id() const { return frame_->id; }
void BufferPool::Ref::MarkDirty() {
  if (!frame_->dirty) {
    frame_->dirty = true;
    pool_->dirty_.insert(frame_->id);
  }
}

BufferPool::BufferPool(PageFile& file, size_t capacity_pages) : file_(file), capacity_(capacity_pages) {
  QUANTA_ASSERT(capacity_pages >= 8);
}

BufferPool::~BufferPool() {
  for (const auto& [id, frame] : frames_) QUANTA_ASSERT(frame->pins == 0);
}

void BufferPool::Pin(Frame* frame) {
  if (frame->pins++ == 0 && frame->in_lru) {
    lru_.erase(frame->lru);
    frame->in_lru = false;
  }
}

void BufferPool::Unpin(Frame* frame) {
  QUANTA_ASSERT(frame->pins > 0);
  if (--frame->pins == 0) {
    lru_.push_back(frame);
    frame->lru = std::prev(lru_.end());
    frame->in_lru = true;
  }
}

Task<absl::Status> BufferPool::WriteBack(Frame* frame) {
  QUANTA_ASSERT(frame->dirty);
  QUANTA_ASSERT_MSG(IsSealed(frame->data.data()), "a page was changed and not sealed");
  CO_RETURN_IF_ERROR(co_await file_.Write(frame->id, frame->data.data()));
  frame->dirty = false;
  dirty_.erase(frame->id);
  frozen_.erase(frame->id);
  co_return absl::OkStatus();
}

Task<absl::Status> BufferPool::MakeRoom() {
  while (frames_.size() >= capacity_) {
    if (lru_.empty()) {
      QUANTA_ASSERT_MSG(frames_.size() < capacity_ + kMaxOvercommitFrames, "buffer pool: every frame pinned");
      co_return absl::OkStatus();  // overcommit a little
    }
    Frame* victim = lru_.front();
    if (victim->dirty) {
      Ref hold(this, victim);  // keeps it from being chosen again while it is written
      CO_RETURN_IF_ERROR(co_await WriteBack(victim));
      ++stats_.dirty_writes;
      continue;  // it is now clean and back at the LRU's end: look again
    }
    QUANTA_ASSERT(victim->pins == 0);
    lru_.pop_front();
    ++stats_.evictions;
    frames_.erase(victim->id);
  }
  co_return absl::OkStatus();
}

BufferPool::Frame* BufferPool::Insert(PageId id) {
  auto frame = std::make_unique<Frame>();
  frame->id = id;
  Frame* raw = frame.get();
  auto [it, inserted] = frames_.emplace(id, std::move(frame));
  QUANTA_ASSERT(inserted);
  return raw;
}

Task<absl::StatusOr<BufferPool::Ref>> BufferPool::Fetch(const PageRef& ref) {
  const PageId id = ref.id;
  if (auto it = frames_.find(id); it != frames_.end()) {
    ++stats_.hits;
    QUANTA_ASSERT_MSG(StoredChecksum(it->second->data.data()) == ref.checksum,
                      "a reference names another version than the resident page");
    co_return Ref(this, it->second.get());
  }
  ++stats_.misses;
  CO_RETURN_IF_ERROR(co_await MakeRoom());
  auto buffer = std::make_unique<PageBuffer>();
  CO_RETURN_IF_ERROR(co_await file_.Read(ref, buffer->data()));
  if (validator_) CO_RETURN_IF_ERROR(validator_(buffer->data()));
  QUANTA_ASSERT(!frames_.contains(id));  // callers serialize: nobody loaded it meanwhile
  Frame* frame = Insert(id);
  frame->data = *buffer;
  co_return Ref(this, frame);
}

Task<absl::StatusOr<BufferPool::Ref>> BufferPool::Create(PageId id) {
  QUANTA_ASSERT(!frames_.contains(id));
  QUANTA_ASSERT(!frozen_.contains(id));  // a frozen page is never reused before it is written
  CO_RETURN_IF_ERROR(co_await MakeRoom());
  Frame* frame = Insert(id);
  std::memset(frame->data.data(), 0, kPageBytes);
  Ref ref(this, frame);
  ref.MarkDirty();
  co_return ref;
}

void BufferPool::Discard(PageId id) {
  auto it = frames_.find(id);
  if (it == frames_.end()) return;
  Frame* frame = it->second.get();
  QUANTA_ASSERT(frame->pins == 0);
  if (frozen_.contains(id)) {  // freed after the freeze, but the checkpoint needs it
    QUANTA_DEBUG_ASSERT(IsSealed(frame->data.data()));
    orphans_[id] = frame->data;
  }
  if (frame->in_lru) lru_.erase(frame->lru);
  dirty_.erase(id);
  frames_.erase(it);
}

std::vector<PageId> BufferPool::FreezeDirty() {
  QUANTA_ASSERT_MSG(frozen_.empty(), "one checkpoint at a time");
  frozen_ = dirty_;
  return std::vector<PageId>(frozen_.begin(), frozen_.end());
}

bool BufferPool::CopyFrozen(PageId id, char* out) {
  if (!frozen_.contains(id)) return false;
  if (auto orphan = orphans_.find(id); orphan != orphans_.end()) {
    std::memcpy(out, orphan->second.data(), kPageBytes);
    return true;
  }
  auto it = frames_.find(id);
  QUANTA_ASSERT(it != frames_.end());  // frozen frames stay until written
  QUANTA_ASSERT(it->second->dirty);
  QUANTA_DEBUG_ASSERT(IsSealed(it->second->data.data()));
  std::memcpy(out, it->second->data.data(), kPageBytes);
  return true;
}

void BufferPool::MarkFrozenWritten(PageId id) {
  if (frozen_.erase(id) == 0) return;  // eviction wrote it meanwhile
  if (orphans_.erase(id) == 1) return;
  auto it = frames_.find(id);
  QUANTA_ASSERT(it != frames_.end());
  QUANTA_ASSERT(it->second->dirty);
  it->second->dirty = false;
  dirty_.erase(id);
}

}  // namespace quanta::storage
