#include "ops/members.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace quanta::node {

absl::StatusOr<std::vector<replication::Member>> ParseMembers(std::string_view text) {
  std::vector<replication::Member> members;
  for (absl::string_view item : absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipEmpty())) {
    const absl::string_view original = item;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("member '", original, "': ", why,
                                                     " (expected ID=HOST:RAFT_PORT:REPLICATION_PORT:CLIENT_PORT[/learner])"));
    };
    const bool learner = absl::ConsumeSuffix(&item, "/learner");
    std::vector<absl::string_view> id_and_rest = absl::StrSplit(item, absl::MaxSplits('=', 1));
    uint64_t id = 0;
    if (id_and_rest.size() != 2 || !absl::SimpleAtoi(id_and_rest[0], &id) || id == 0) return bad("bad id");
    std::vector<absl::string_view> parts = absl::StrSplit(id_and_rest[1], ':');
    if (parts.size() != 4 || parts[0].empty()) return bad("bad address");
    for (size_t i = 1; i < 4; ++i) {
      uint32_t port = 0;
      if (!absl::SimpleAtoi(parts[i], &port) || port == 0 || port > 65535) return bad("bad port");
    }
    const std::string host(parts[0]);
    members.emplace_back(id, absl::StrCat("node-", id),
                         replication::PeerAddresses(absl::StrCat(host, ":", parts[1]), absl::StrCat(host, ":", parts[2])),
                         absl::StrCat(host, ":", parts[3]), learner);
  }
  if (members.empty()) return absl::InvalidArgumentError("no members given");
  return members;
}

}  // namespace quanta::node
