#include "engine/storage/page_file.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/env/status.h"

namespace quanta::storage {

Task<absl::Status> PageFile::Read(PageId id, char* out) {
  absl::Status verified;
  for (int attempt = 0; attempt < 2; ++attempt) {
    ++reads_;
    CO_ASSIGN_OR_RETURN(std::string bytes, co_await file_->Read(id * kPageBytes, kPageBytes));
    if (bytes.size() != kPageBytes) {
      co_return absl::DataLossError(absl::StrCat("page ", id, " lies past the end of the data file"));
    }
    std::memcpy(out, bytes.data(), kPageBytes);
    verified = VerifyPage(out, id);
    if (verified.ok()) {
      if (attempt > 0) COVERAGE_MARK(kStorageTransientReadError);
      co_return verified;
    }
  }
  co_return verified;
}

Task<absl::Status> PageFile::Read(const PageRef& ref, char* out) {
  CO_RETURN_IF_ERROR(co_await Read(ref.id, out));
  co_return VerifyPageRef(out, ref);
}

Task<absl::Status> PageFile::Write(PageId id, const char* page) {
  QUANTA_DEBUG_ASSERT(IsSealed(page));  // BufferPool::WriteBack asserts it in every build
  QUANTA_ASSERT(ReadPageHeader(page).page_id == id);
  ++writes_;
  absl::Status status = co_await file_->Write(id * kPageBytes, std::string(page, kPageBytes));
  co_return status;
}

Task<absl::Status> PageFile::Sync() {
  absl::Status status = co_await file_->Sync(/*data_only=*/false);
  co_return status;
}

Task<absl::StatusOr<uint64_t>> PageFile::SizeBytes() {
  absl::StatusOr<uint64_t> size = co_await file_->Size();
  co_return size;
}

void PageAllocator::Reset(PageId next, const std::vector<PageId>& free) {
  QUANTA_ASSERT(next >= kFirstDataPage);
  next_ = next;
  free_.clear();
  pending_.clear();
  retiring_.clear();
  fresh_.clear();
  held_.clear();
  holds_ = 0;
  frozen_ = false;
  for (PageId id : free) {
    QUANTA_ASSERT(id >= kFirstDataPage);
    QUANTA_ASSERT(id < next);
    free_.insert(id);
  }
}

PageId PageAllocator::Allocate() {
  PageId id;
  if (!free_.empty()) {
    id = *free_.begin();
    free_.erase(free_.begin());
  } else {
    id = next_++;
  }
  fresh_.insert(id);
  return id;
}

PageId PageAllocator::AllocateRun(uint32_t n) {
  QUANTA_ASSERT(n > 0);
  const PageId first = next_;
  next_ += n;
  for (PageId id = first; id < next_; ++id) fresh_.insert(id);
  return first;
}

void PageAllocator::Free(PageId id) {
  QUANTA_ASSERT(id >= kFirstDataPage);
  QUANTA_ASSERT(id < next_);
  QUANTA_ASSERT(!free_.contains(id));
  QUANTA_ASSERT(!pending_.contains(id));
  QUANTA_ASSERT(!retiring_.contains(id));
  QUANTA_ASSERT(!held_.contains(id));
  if (fresh_.erase(id) == 1) {
    free_.insert(id);
  } else {
    pending_.insert(id);
  }
}

std::vector<PageId> PageAllocator::FreezeEpoch() {
  QUANTA_ASSERT_MSG(!frozen_, "one checkpoint at a time");
  QUANTA_ASSERT(retiring_.empty());
  // Held pages are unreferenced by the checkpoint being frozen: free after a crash.
  std::vector<PageId> out(free_.begin(), free_.end());
  out.insert(out.end(), pending_.begin(), pending_.end());
  out.insert(out.end(), held_.begin(), held_.end());
  std::sort(out.begin(), out.end());
  retiring_ = std::move(pending_);
  pending_.clear();
  fresh_.clear();
  frozen_ = true;
  return out;
}

void PageAllocator::CommitEpoch() {
  QUANTA_ASSERT(frozen_);
  (holds_ > 0 ? held_ : free_).insert(retiring_.begin(), retiring_.end());
  retiring_.clear();
  frozen_ = false;
}

void PageAllocator::Release() {
  QUANTA_ASSERT(holds_ > 0);
  if (--holds_ > 0) return;
  free_.insert(held_.begin(), held_.end());
  held_.clear();
}

}  // namespace quanta::storage
