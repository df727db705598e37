// Writes seed corpora for the fuzz targets (valid records and frames, so the fuzzer
// starts from inputs that get past the checksums). Run by ci/fuzz.
#include <cstdio>
#include <string>

#include "engine/raft/conf_change.h"
#include "engine/raft/wire.h"
#include "engine/storage/node.h"
#include "engine/storage/write_set.h"
#include "engine/wal/wal_format.h"
#include "sim/workloads/record_codec.h"

namespace {
void Write(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace quanta::sim;
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: make_corpus RECORD_DIR FRAME_DIR WAL_DIR PAGE_DIR WRITE_SET_DIR CONF_CHANGE_DIR "
                 "RAFT_MESSAGE_DIR\n");
    return 2;
  }
  const std::string records = argv[1], frames = argv[2], wal_dir = argv[3], page_dir = argv[4],
                    ws_dir = argv[5], conf_dir = argv[6], message_dir = argv[7];
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
