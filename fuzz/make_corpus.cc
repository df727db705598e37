// Writes seed corpora for the fuzz targets (valid records and frames, so the fuzzer
// starts from inputs that get past the checksums). Run by ci/fuzz.
#include <cstdio>
#include <string>
#include <vector>

#include "engine/raft/conf_change.h"
#include "engine/raft/wire.h"
#include "net/kv/client_protocol.h"
#include "engine/replication/frame.h"
#include "engine/replication/raft_storage.h"
#include "engine/replication/snapshot_transfer.h"
#include "engine/replication/store_generations.h"
#include "engine/storage/node.h"
#include "engine/storage/write_set.h"
#include "engine/wal/wal_format.h"
#include "sim/workloads/record_codec.h"
#include "sql/storage/row_codec.h"
#include "sql/types/array.h"

namespace {
void Write(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}
// Seeds for the replication decoders: frames, client messages, raft-log records.
void WriteReplicationCorpus(const std::string& root) {
  using namespace quanta::replication;
  using quanta::net::EncodeRequest;
  using quanta::net::EncodeResponse;
  std::string two;
  AppendFrame("hello", &two);
  AppendFrame(std::string(300, 'p'), &two);
  Write(root + "/frame/two", std::string(1, '\3') + two);
  ClientRequest write;
  write.id = 7;
  write.kind = ClientRequest::Kind::kWrite;
  write.writes.Put(1, "k", "v");
  write.writes.Delete(1, "old");
  Write(root + "/client_protocol/write", std::string(1, '\0') + EncodeRequest(write));
  ClientResponse answer;
  answer.id = 7;
  answer.status = absl::FailedPreconditionError("read-only replica");
  answer.sqlstate = kSqlStateReadOnly;
  answer.leader = "n1:5432";
  Write(root + "/client_protocol/refusal", std::string(1, '\1') + EncodeResponse(answer));
  // raft_storage_fuzz input: records of (u8 type, u8 term, u16 length, payload).
  auto record = [](uint8_t type, uint8_t term, const std::string& payload) {
    std::string r;
    r.push_back(static_cast<char>(type));
    r.push_back(static_cast<char>(term));
    r.push_back(static_cast<char>(payload.size() & 0xff));
    r.push_back(static_cast<char>(payload.size() >> 8));
    return r + payload;
  };
  const auto entry = static_cast<uint8_t>(quanta::wal::RecordType::kRaftEntry);
  const auto hard = static_cast<uint8_t>(quanta::wal::RecordType::kRaftHardState);
  const auto snap = static_cast<uint8_t>(quanta::wal::RecordType::kRaftSnapshot);
  quanta::raft::SnapshotMeta meta;
  meta.index = 2;
  meta.term = 1;
  meta.voters = {1, 2, 3};
  Write(root + "/raft_storage/log",
        std::string(1, '\0') +
        record(entry, 1, EncodeEntryPayload(quanta::raft::Entry(1, 1, "a"))) +
            record(entry, 1, EncodeEntryPayload(quanta::raft::Entry(1, 2, "b"))) +
            record(entry, 2, EncodeEntryPayload(quanta::raft::Entry(2, 2, "c"))) +
            record(hard, 2, EncodeHardStatePayload(quanta::raft::HardState{2, 1, 2})) +
            record(snap, 1, EncodeSnapshotPayload(meta)));
  // snapshot_frame_fuzz input: a selector byte (even: a stream frame, odd: a marker).
  Write(root + "/snapshot_frame/marker", std::string(1, '\1') + EncodeSnapshotMarker(meta));
  SnapshotFrame header;
  header.kind = SnapshotFrame::Kind::kHeader;
  header.message.type = quanta::raft::MessageType::kSnapshot;
  header.message.from = 1;
  header.message.to = 2;
  header.message.term = 2;
  header.message.snapshot = meta;
  header.meta.checkpoint_lsn = 3;
  header.lsn = 5;
  Write(root + "/snapshot_frame/header", std::string(1, '\0') + EncodeSnapshotFrame(header));
  SnapshotFrame chunk;
  quanta::storage::PageBuffer page;
  quanta::storage::Node leaf;
  leaf.cells.push_back({"key", "value", false, 0});
  quanta::storage::EncodeNode(leaf, 2, 1, page.data());
  quanta::storage::SealPage(page.data());
  chunk.pages.emplace_back(2, std::string(page.data(), page.size()));
  quanta::wal::WalRecord r;
  r.lsn = 4;
  r.type = quanta::wal::RecordType::kWriteSet;
  r.payload = "write set";
  chunk.records.push_back(r);
  Write(root + "/snapshot_frame/chunk", std::string(1, '\0') + EncodeSnapshotFrame(chunk));
  SnapshotFrame trailer;
  trailer.kind = SnapshotFrame::Kind::kTrailer;
  trailer.page_count = 1;
  trailer.record_count = 1;
  trailer.crc = 12345;
  Write(root + "/snapshot_frame/trailer", std::string(1, '\0') + EncodeSnapshotFrame(trailer));
}

}  // namespace

// Rows of row_codec_fuzz's table (int8, float8, text, uuid, interval, numeric,
// numeric(15,2), int4[]): a full one with a heap numeric, a NULL-laden one, a short one.
void WriteRowCorpus(const std::string& root) {
  using namespace quanta::sql;
  const Type money(TypeId::kNumeric, ((15 << 16) | 2) + 4);
  const std::vector<Value> full = {Value::Int(Type(TypeId::kInt8), -42),
                                   Value::Float(Type(TypeId::kFloat8), 2.5),
                                   Value::String(Type(TypeId::kText), "text"),
                                   Value::String(Type(TypeId::kUuid), std::string(16, 'u')),
                                   Value::String(Type(TypeId::kInterval), std::string(32, '\0')),
                                   Value::Num(*Numeric::Parse("123456789012345678901234567890.125")),
                                   Value::Num(Numeric::FromUnscaled(12345, 2), money),
                                   Value::String(Type::Array(TypeId::kInt4), *ParseArrayLiteral("{1,2,3}", Type(TypeId::kInt4)))};
  Write(root + "/row_codec/full", EncodeRowValues(full));
  std::vector<Value> nulls = full;
  for (size_t i = 1; i < nulls.size(); i += 2) nulls[i] = Value::Null(nulls[i].type());
  Write(root + "/row_codec/nulls", EncodeRowValues(nulls));
  Write(root + "/row_codec/short", EncodeRowValues({full[0], full[2]}));
}

int main(int argc, char** argv) {
  using namespace quanta::sim;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus CORPUS_ROOT (writes CORPUS_ROOT/<target>/..., the directories must exist)\n");
    return 2;
  }
  const std::string root = argv[1];
  const std::string records = root + "/env_record", frames = root + "/env_frame", wal_dir = root + "/wal_record",
                    page_dir = root + "/page", ws_dir = root + "/write_set", conf_dir = root + "/raft_conf_change",
                    message_dir = root + "/raft_message";
  WriteReplicationCorpus(root);
  WriteRowCorpus(root);
  {
    quanta::raft::Message m;
    m.type = quanta::raft::MessageType::kAppend;
    m.from = 1;
    m.to = 2;
    m.term = 2;
    m.index = 4;
    m.log_term = 1;
    m.commit = 4;
    m.entries.emplace_back(2, 5, "small");
    Write(message_dir + "/append", quanta::raft::EncodeMessage(m));
    for (int i = 0; i < 40; ++i) m.entries.emplace_back(2, 6 + i, std::string(200, 'e'));
    Write(message_dir + "/append_lz4", quanta::raft::EncodeMessage(m));
    m.entries.clear();
    m.type = quanta::raft::MessageType::kSnapshot;
    m.snapshot.index = 9;
    m.snapshot.term = 2;
    m.snapshot.voters = {1, 2, 3};
    Write(message_dir + "/snapshot", quanta::raft::EncodeMessage(m));
  }
  Write(conf_dir + "/promote", quanta::raft::EncodeConfChange({quanta::raft::ConfChange::Op::kPromote, 4}));
  {
    quanta::storage::Node leaf;
    for (int i = 0; i < 20; ++i) leaf.cells.push_back({"key" + std::to_string(100 + i), std::string(i * 10, 'v'), false, 0});
    quanta::storage::PageBuffer page;
    quanta::storage::EncodeNode(leaf, 7, 1, page.data());
    quanta::storage::SealPage(page.data());
    Write(page_dir + "/leaf", std::string(page.data(), quanta::storage::kPageBytes));
    quanta::storage::WriteSet ws;
    ws.Put(1, "k", "v");
    ws.Delete(2, "gone");
    Write(ws_dir + "/one", quanta::storage::EncodeWriteSet(ws));
  }
  Write(records + "/one", EncodeRecord(Record{0, 0, "n1/0/0/abc"}));
  Write(records + "/two", EncodeRecord(Record{0, 0, "a"}) + EncodeRecord(Record{1, 1, std::string(700, 'x')}));
  Write(records + "/torn", EncodeRecord(Record{0, 0, std::string(900, 'y')}).substr(0, 600));
  Write(frames + "/one", EncodeFrame("msg n1 n2 0"));
  Write(frames + "/two", EncodeFrame("msg n1 n2 0") + EncodeFrame("msg n1 n2 1"));
  std::string segment = quanta::wal::EncodeSegmentHeader(1);
  for (uint64_t lsn = 1; lsn <= 3; ++lsn) {
    quanta::wal::WalRecord r;
    r.lsn = lsn;
    r.durable_lsn = lsn - 1;
    r.type = quanta::wal::RecordType::kWriteSet;
    r.payload = std::string(lsn * 100, 'w');
    quanta::wal::EncodeRecord(r, &segment);
    quanta::wal::PadToSector(&segment, 0);
  }
  Write(wal_dir + "/segment", segment);
  Write(wal_dir + "/records", segment.substr(quanta::wal::kSegmentHeaderBytes));
  return 0;
}
