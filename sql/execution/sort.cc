#include "sql/execution/sort.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "engine/env/assert.h"
#include "engine/env/coverage.h"
#include "engine/util/coding.h"
#include "sql/execution/kernels.h"
#include "sql/execution/spill.h"
#include "sql/storage/row_codec.h"

namespace quanta::sql {
namespace {

// What holding row `row` of `chunk` costs in memory, roughly: its values, its validity
// bytes and its entry in the sort order.
size_t RowBytes(const DataChunk& chunk, size_t row) {
  size_t bytes = sizeof(std::pair<uint32_t, uint32_t>);
  for (const Vector& v : chunk.columns) {
    bytes += 1;
    switch (v.storage()) {
      case Storage::kInt:
      case Storage::kFloat: bytes += 8; break;
      case Storage::kString: {
        const size_t n = v.IsNull(row) ? 0 : v.Str(row).size();
        bytes += sizeof(std::string) + (n > 15 ? n : 0);
        break;
      }
      case Storage::kNumeric: bytes += sizeof(Numeric); break;
    }
  }
  return bytes;
}

// Appends row `row` of `columns` to a run block: u32 length, then the row codec's bytes.
void AppendBlockRow(const std::vector<const Vector*>& columns, size_t row, std::string* block) {
  const std::string bytes = EncodeRow(columns, row);
  AppendU32(block, static_cast<uint32_t>(bytes.size()));
  block->append(bytes);
}

std::vector<const Vector*> Pointers(const std::vector<Vector>& columns) {
  std::vector<const Vector*> out;
  out.reserve(columns.size());
  for (const Vector& v : columns) out.push_back(&v);
  return out;
}

}  // namespace

int CompareRowsByKeys(const std::vector<SortKey>& keys, const std::vector<Vector>& a, size_t ra,
                      const std::vector<Vector>& b, size_t rb) {
  for (const SortKey& key : keys) {
    const Vector& va = a[static_cast<size_t>(key.column)];
    const Vector& vb = b[static_cast<size_t>(key.column)];
    const bool na = va.IsNull(ra), nb = vb.IsNull(rb);
    if (na || nb) {
      if (na == nb) continue;
      return na == key.nulls_first ? -1 : 1;
    }
    const int c = CompareValues(va, ra, vb, rb, va.type().id == TypeId::kBpchar);
    if (c != 0) return key.descending ? -c : c;
  }
  return 0;
}

struct SortOperator::Run {
  struct Block {
    TempExtent extent;
    uint32_t rows = 0;
  };
  std::unique_ptr<TempFile> file;
  std::vector<Block> blocks;
  uint64_t rows = 0;

  // Appends one block of `rows` encoded rows.
  Task<absl::Status> Append(std::string bytes, uint32_t block_rows) {
    QUANTA_ASSERT(block_rows > 0 && block_rows <= kBatchSize);
    auto extent = co_await file->Append(std::move(bytes));
    if (!extent.ok()) co_return extent.status();
    blocks.push_back(Block{*extent, block_rows});
    rows += block_rows;
    co_return absl::OkStatus();
  }
  // Reads block `i` back into *out (flat vectors of `types`).
  Task<absl::Status> Load(size_t i, const std::vector<Type>& types, DataChunk* out) const {
    QUANTA_ASSERT(i < blocks.size());
    auto bytes = co_await file->Read(blocks[i].extent);
    if (!bytes.ok()) co_return bytes.status();
    out->Reset();
    for (const Type& t : types) out->columns.emplace_back(t, blocks[i].rows);
    std::string_view rest = *bytes;
    for (uint32_t r = 0; r < blocks[i].rows; ++r) {
      // The checksum matched, so the bytes are the ones written: a bad length is a bug.
      QUANTA_ASSERT(rest.size() >= 4);
      const uint32_t n = GetU32(rest.data());
      QUANTA_ASSERT(rest.size() - 4 >= n);
      absl::Status decoded = DecodeRow(rest.substr(4, n), &out->columns, r);
      QUANTA_ASSERT(decoded.ok());
      rest.remove_prefix(4 + n);
    }
    QUANTA_ASSERT(rest.empty());
    out->set_count(blocks[i].rows);
    co_return absl::OkStatus();
  }
};

// A k-way merge of runs: one loaded block per run and a heap of the runs with rows
// left, least current row on top (ties: the earlier run).
class SortOperator::Merger {
 public:
  Merger(const std::vector<SortKey>& keys, const std::vector<Type>& types, std::vector<const Run*> runs)
      : keys_(keys), types_(types) {
    QUANTA_ASSERT(!runs.empty() && runs.size() <= kMergeFanIn);
    for (const Run* run : runs) sources_.push_back(Source{run});
  }

  // Loads every run's first block.
  Task<absl::Status> Start() {
    for (size_t i = 0; i < sources_.size(); ++i) {
      QUANTA_ASSERT(!sources_[i].run->blocks.empty());
      absl::Status loaded = co_await Advance(i);
      if (!loaded.ok()) co_return loaded;
      heap_.push_back(i);
      std::push_heap(heap_.begin(), heap_.end(), After{this});
    }
    co_return absl::OkStatus();
  }

  // Replaces *out with the next up to kBatchSize rows; false once none are left.
  Task<absl::StatusOr<bool>> Fill(DataChunk* out) {
    out->Reset();
    for (const Type& t : types_) out->columns.emplace_back(t, kBatchSize);
    size_t n = 0;
    while (n < kBatchSize && !heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), After{this});
      const size_t i = heap_.back();
      Source& s = sources_[i];
      for (size_t c = 0; c < types_.size(); ++c) out->columns[c].CopyRow(s.rows.columns[c], s.at, n);
      ++n;
      if (++s.at < s.rows.count()) {
        std::push_heap(heap_.begin(), heap_.end(), After{this});
      } else if (s.next_block < s.run->blocks.size()) {
        absl::Status loaded = co_await Advance(i);
        if (!loaded.ok()) co_return loaded;
        std::push_heap(heap_.begin(), heap_.end(), After{this});
      } else {
        heap_.pop_back();  // this run is done
      }
    }
    out->set_count(n);
    if (n < kBatchSize) *out = out->Compact();  // trims the vectors to n rows
    QUANTA_ASSERT(out->count() == n);
    co_return !heap_.empty();
  }

 private:
  struct Source {
    const Run* run;
    size_t next_block = 0;
    DataChunk rows;  // the block being merged
    size_t at = 0;   // its next row
  };

  Task<absl::Status> Advance(size_t i) {
    Source& s = sources_[i];
    absl::Status loaded = co_await s.run->Load(s.next_block, types_, &s.rows);
    if (!loaded.ok()) co_return loaded;
    ++s.next_block;
    s.at = 0;
    QUANTA_ASSERT(s.rows.count() > 0);
    co_return absl::OkStatus();
  }

  // The heap's order (std::push_heap keeps the greatest on top, so "greater" is "later").
  bool Later(size_t a, size_t b) const {
    const Source& x = sources_[a];
    const Source& y = sources_[b];
    const int c = CompareRowsByKeys(keys_, x.rows.columns, x.at, y.rows.columns, y.at);
    return c != 0 ? c > 0 : a > b;
  }
  struct After {
    const Merger* merger;
    bool operator()(size_t a, size_t b) const { return merger->Later(a, b); }
  };

  const std::vector<SortKey>& keys_;
  const std::vector<Type>& types_;
  std::vector<Source> sources_;
  std::vector<size_t> heap_;
};

SortOperator::SortOperator(OperatorPtr child, std::vector<SortKey> keys)
    : Operator(child->types()), child_(std::move(child)), keys_(std::move(keys)) {}

SortOperator::~SortOperator() = default;

std::vector<std::string> SortOperator::AnalyzeDetails() const {
  if (!consumed_) return {};
  if (disk_bytes_ > 0) {
    return {absl::StrFormat("Sort Method: external merge  Disk: %dkB", (disk_bytes_ + 1023) / 1024)};
  }
  return {absl::StrFormat("Sort Method: quicksort  Memory: %dkB", (peak_memory_bytes_ + 1023) / 1024)};
}

void SortOperator::SortHeld(ExecContext& ctx) {
  order_.clear();
  for (uint32_t c = 0; c < chunks_.size(); ++c) {
    for (uint32_t r = 0; r < chunks_[c].count(); ++r) order_.emplace_back(c, r);
  }
  const auto less = [&](const std::pair<uint32_t, uint32_t>& a, const std::pair<uint32_t, uint32_t>& b) {
    return CompareRowsByKeys(keys_, chunks_[a.first].columns, a.second, chunks_[b.first].columns, b.second) < 0;
  };
  ChargeRows(ctx, order_.size());
  std::stable_sort(order_.begin(), order_.end(), less);
  QUANTA_DEBUG_ASSERT(std::is_sorted(order_.begin(), order_.end(), less));
}

Task<absl::Status> SortOperator::SpillHeld(ExecContext& ctx) {
  QUANTA_ASSERT(ctx.temp != nullptr);
  QUANTA_ASSERT(!chunks_.empty());
  SortHeld(ctx);
  auto file = co_await ctx.temp->Create("sort");
  if (!file.ok()) co_return file.status();
  auto run = std::make_unique<Run>();
  run->file = std::move(*file);
  std::vector<std::vector<const Vector*>> columns;
  for (const DataChunk& chunk : chunks_) columns.push_back(Pointers(chunk.columns));
  for (size_t start = 0; start < order_.size(); start += kBatchSize) {
    const size_t end = std::min(order_.size(), start + kBatchSize);
    std::string block;
    for (size_t i = start; i < end; ++i) AppendBlockRow(columns[order_[i].first], order_[i].second, &block);
    absl::Status appended = co_await run->Append(std::move(block), static_cast<uint32_t>(end - start));
    if (!appended.ok()) co_return appended;
    co_await MaybeYield(ctx);
  }
  QUANTA_ASSERT(run->rows == order_.size());
  disk_bytes_ += run->file->size();
  runs_.push_back(std::move(run));
  chunks_.clear();
  order_.clear();
  held_bytes_ = 0;
  co_return absl::OkStatus();
}

Task<absl::Status> SortOperator::Consume(ExecContext& ctx) {
  while (true) {
    DataChunk chunk;
    auto more = co_await child_->Next(ctx, &chunk);
    if (!more.ok()) co_return more.status();
    if (chunk.active() > 0) {
      chunks_.push_back(chunk.has_selection() ? chunk.Compact() : std::move(chunk));
      for (size_t r = 0; r < chunks_.back().count(); ++r) held_bytes_ += RowBytes(chunks_.back(), r);
      peak_memory_bytes_ = std::max(peak_memory_bytes_, held_bytes_);
      if (held_bytes_ > ctx.work_mem_bytes && ctx.temp != nullptr) {
        absl::Status spilled = co_await SpillHeld(ctx);
        if (!spilled.ok()) co_return spilled;
      }
    }
    if (!*more) break;
    co_await MaybeYield(ctx);
  }
  if (runs_.empty()) {
    SortHeld(ctx);
    co_return absl::OkStatus();
  }
  if (!chunks_.empty()) {  // the last run
    absl::Status spilled = co_await SpillHeld(ctx);
    if (!spilled.ok()) co_return spilled;
  }
  absl::Status reduced = co_await ReduceRuns(ctx);
  if (!reduced.ok()) co_return reduced;
  std::vector<const Run*> runs;
  for (const auto& run : runs_) runs.push_back(run.get());
  COVERAGE_MARK(kSqlSortSpilled);
  merger_ = std::make_unique<Merger>(keys_, types_, std::move(runs));
  absl::Status started = co_await merger_->Start();
  co_return started;
}

Task<absl::Status> SortOperator::ReduceRuns(ExecContext& ctx) {
  while (runs_.size() > kMergeFanIn) {
    std::vector<std::unique_ptr<Run>> merged;
    for (size_t start = 0; start < runs_.size(); start += kMergeFanIn) {
      const size_t end = std::min(runs_.size(), start + kMergeFanIn);
      if (end - start == 1) {
        merged.push_back(std::move(runs_[start]));
        continue;
      }
      std::vector<const Run*> group;
      uint64_t rows = 0;
      for (size_t i = start; i < end; ++i) {
        group.push_back(runs_[i].get());
        rows += runs_[i]->rows;
      }
      Merger merger(keys_, types_, std::move(group));
      absl::Status started = co_await merger.Start();
      if (!started.ok()) co_return started;
      auto file = co_await ctx.temp->Create("sort");
      if (!file.ok()) co_return file.status();
      auto run = std::make_unique<Run>();
      run->file = std::move(*file);
      bool more = true;
      while (more) {
        DataChunk chunk;
        auto filled = co_await merger.Fill(&chunk);
        if (!filled.ok()) co_return filled.status();
        more = *filled;
        if (chunk.count() == 0) continue;
        const std::vector<const Vector*> columns = Pointers(chunk.columns);
        std::string block;
        for (size_t r = 0; r < chunk.count(); ++r) AppendBlockRow(columns, r, &block);
        absl::Status appended = co_await run->Append(std::move(block), static_cast<uint32_t>(chunk.count()));
        if (!appended.ok()) co_return appended;
        ChargeRows(ctx, chunk.count());
        co_await MaybeYield(ctx);
      }
      QUANTA_ASSERT(run->rows == rows);
      disk_bytes_ += run->file->size();
      merged.push_back(std::move(run));
    }
    QUANTA_ASSERT(merged.size() < runs_.size());
    runs_ = std::move(merged);  // the merged groups' files are removed here
  }
  co_return absl::OkStatus();
}

void SortOperator::EmitHeld(DataChunk* out) {
  out->Reset();
  const size_t n = std::min(kBatchSize, order_.size() - next_);
  for (const Type& t : types_) out->columns.emplace_back(t, n);
  for (size_t i = 0; i < n; ++i) {
    const auto [c, r] = order_[next_ + i];
    for (size_t col = 0; col < types_.size(); ++col) out->columns[col].CopyRow(chunks_[c].columns[col], r, i);
  }
  out->set_count(n);
  next_ += n;
}

Task<absl::StatusOr<bool>> SortOperator::NextBatch(ExecContext& ctx, DataChunk* out) {
  if (!consumed_) {
    absl::Status s = co_await Consume(ctx);
    if (!s.ok()) co_return s;
    consumed_ = true;
  }
  if (merger_ == nullptr) {
    EmitHeld(out);
    co_return next_ < order_.size();
  }
  auto more = co_await merger_->Fill(out);
  if (!more.ok()) co_return more.status();
  ChargeRows(ctx, out->count());
  co_return *more;
}

}  // namespace quanta::sql
