#include "engine/raft/wire.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/util/lz4.h"
#include "raft.pb.h"

namespace quanta::raft {
namespace {

absl::Status Bad(absl::string_view what) { return absl::DataLossError(absl::StrCat("raft message: ", what)); }

void ToWire(const Entry& e, wire::Entry* out) {
  out->set_term(e.term);
  out->set_index(e.index);
  out->set_type(static_cast<uint32_t>(e.type));
  out->set_data(e.data);
}

absl::StatusOr<Entry> FromWire(const wire::Entry& w) {
  if (w.type() > static_cast<uint32_t>(EntryType::kConfChange)) return Bad(absl::StrCat("entry type ", w.type()));
  if (w.index() == 0) return Bad("entry index 0");
  return Entry(w.term(), w.index(), w.data(), static_cast<EntryType>(w.type()));
}

size_t EntryBytes(const std::vector<Entry>& entries) {
  size_t bytes = 0;
  for (const Entry& e : entries) bytes += e.data.size() + 24;
  return bytes;
}

// The entries of a wire message: as is, or inflated from their lz4 form.
absl::StatusOr<std::vector<Entry>> DecodeEntries(const wire::Message& w) {
  wire::EntryBatch inflated;
  const google::protobuf::RepeatedPtrField<wire::Entry>* entries = &w.entries();
  if (!w.entries_lz4().empty()) {
    if (w.entries_size() > 0) return Bad("entries both plain and compressed");
    absl::StatusOr<std::string> raw = Lz4Decompress(w.entries_lz4(), w.entries_raw_bytes(), kMaxMessageBytes);
    if (!raw.ok()) return Bad(raw.status().message());
    if (!inflated.ParseFromString(*raw)) return Bad("compressed batch does not parse");
    entries = &inflated.entries();
  }
  std::vector<Entry> out;
  out.reserve(entries->size());
  for (const wire::Entry& we : *entries) {
    absl::StatusOr<Entry> e = FromWire(we);
    if (!e.ok()) return e.status();
    if (out.empty() ? e->index != w.index() + 1 : e->index != out.back().index + 1) {
      return Bad(absl::StrCat("entry ", e->index, " out of sequence"));
    }
    if (e->term < (out.empty() ? w.log_term() : out.back().term) || e->term > w.term()) {
      return Bad(absl::StrCat("entry ", e->index, " has term ", e->term));
    }
    out.push_back(*std::move(e));
  }
  return out;
}

}  // namespace

std::string EncodeMessage(const Message& m) {
  wire::Message w;
  w.set_type(static_cast<uint32_t>(m.type));
  w.set_from(m.from);
  w.set_to(m.to);
  w.set_term(m.term);
  w.set_index(m.index);
  w.set_log_term(m.log_term);
  if (EntryBytes(m.entries) > kCompressAboveBytes) {
    wire::EntryBatch batch;
    for (const Entry& e : m.entries) ToWire(e, batch.add_entries());
    const std::string raw = batch.SerializeAsString();
    w.set_entries_lz4(Lz4Compress(raw));
    w.set_entries_raw_bytes(raw.size());
  } else {
    for (const Entry& e : m.entries) ToWire(e, w.add_entries());
  }
  w.set_commit(m.commit);
  w.set_reject(m.reject);
  w.set_hint(m.hint);
  w.set_transfer(m.transfer);
  w.set_sent_tick(m.sent_tick);
  if (m.type == MessageType::kSnapshot) {
    wire::Snapshot* s = w.mutable_snapshot();
    s->set_index(m.snapshot.index);
    s->set_term(m.snapshot.term);
    for (NodeId v : m.snapshot.voters) s->add_voters(v);
    for (NodeId l : m.snapshot.learners) s->add_learners(l);
  }
  return w.SerializeAsString();
}

absl::StatusOr<Message> DecodeMessage(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes) return Bad(absl::StrCat(bytes.size(), " bytes is over the limit"));
  wire::Message w;
  if (!w.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return Bad("does not parse");
  if (w.type() > static_cast<uint32_t>(MessageType::kSnapshot)) return Bad(absl::StrCat("unknown type ", w.type()));
  if (w.from() == kNoNode || w.to() == kNoNode) return Bad("names node 0");
  Message m;
  m.type = static_cast<MessageType>(w.type());
  m.from = w.from();
  m.to = w.to();
  m.term = w.term();
  m.index = w.index();
  m.log_term = w.log_term();
  if (m.log_term > m.term) return Bad("log term after the message's term");
  const bool may_carry_entries = m.type == MessageType::kAppend;
  if (!may_carry_entries && (w.entries_size() > 0 || !w.entries_lz4().empty())) {
    return Bad(absl::StrCat(MessageTypeName(m.type), " carries entries"));
  }
  absl::StatusOr<std::vector<Entry>> entries = DecodeEntries(w);
  if (!entries.ok()) return entries.status();
  m.entries = *std::move(entries);
  m.commit = w.commit();
  m.reject = w.reject();
  m.hint = w.hint();
  m.transfer = w.transfer();
  m.sent_tick = w.sent_tick();
  if (m.type == MessageType::kSnapshot) {
    const wire::Snapshot& s = w.snapshot();
    if (s.index() == 0 || s.voters_size() == 0) return Bad("snapshot without index or voters");
    m.snapshot.index = s.index();
    m.snapshot.term = s.term();
    m.snapshot.voters.assign(s.voters().begin(), s.voters().end());
    m.snapshot.learners.assign(s.learners().begin(), s.learners().end());
  } else if (w.has_snapshot()) {
    return Bad(absl::StrCat(MessageTypeName(m.type), " carries a snapshot"));
  }
  return m;
}

}  // namespace quanta::raft
