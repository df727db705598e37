#include "net/kv/client_protocol.h"

#include "absl/strings/str_cat.h"
#include "client.pb.h"

namespace quanta::net {
namespace {

absl::Status Bad(absl::string_view what) { return absl::DataLossError(absl::StrCat("client message: ", what)); }

}  // namespace

std::string EncodeRequest(const ClientRequest& request) {
  wire::Request w;
  w.set_id(request.id);
  w.set_kind(static_cast<uint32_t>(request.kind));
  for (const storage::WriteOp& op : request.writes.ops) {
    wire::WriteOp* o = w.add_ops();
    o->set_kind(static_cast<uint32_t>(op.kind));
    o->set_tree(op.tree);
    o->set_key(op.key);
    o->set_value(op.value);
  }
  w.set_tree(request.tree);
  w.set_key(request.key);
  w.set_target(request.target);
  if (request.end.has_value()) {
    w.set_end(*request.end);
    w.set_has_end(true);
  }
  w.set_sql(request.sql);
  w.set_term(request.term);
  return w.SerializeAsString();
}

absl::StatusOr<ClientRequest> DecodeRequest(std::string_view bytes) {
  if (bytes.size() > kMaxClientMessageBytes) return Bad("request too large");
  wire::Request w;
  if (!w.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return Bad("request does not parse");
  ClientRequest r;
  r.id = w.id();
  if (w.kind() < 1 || w.kind() > 6) return Bad(absl::StrCat("request kind ", w.kind()));
  r.kind = static_cast<ClientRequest::Kind>(w.kind());
  if (r.kind == ClientRequest::Kind::kWrite && w.ops_size() == 0) return Bad("write without operations");
  if (static_cast<uint32_t>(w.ops_size()) > storage::kMaxWriteSetOps) return Bad("too many operations");
  for (const wire::WriteOp& o : w.ops()) {
    if (o.kind() == 1) {
      r.writes.Put(o.tree(), o.key(), o.value());
    } else if (o.kind() == 2) {
      if (!o.value().empty()) return Bad("delete with a value");
      r.writes.Delete(o.tree(), o.key());
    } else {
      return Bad(absl::StrCat("operation kind ", o.kind()));
    }
  }
  r.tree = w.tree();
  r.key = w.key();
  r.target = w.target();
  if (w.has_end()) {
    r.end = w.end();
  } else if (!w.end().empty()) {
    return Bad("scan end given without has_end");
  }
  if (r.kind == ClientRequest::Kind::kTransfer && r.target == 0) return Bad("transfer without a target");
  r.sql = w.sql();
  r.term = w.term();
  if (r.kind != ClientRequest::Kind::kWrite && r.term != 0) return Bad("a term on a non-write request");
  if (r.kind == ClientRequest::Kind::kSql && r.sql.empty()) return Bad("sql request without SQL");
  if (r.kind != ClientRequest::Kind::kSql && !r.sql.empty()) return Bad("SQL text on a non-sql request");
  return r;
}

std::string EncodeResponse(const ClientResponse& response) {
  wire::Response w;
  w.set_id(response.id);
  w.set_code(static_cast<uint32_t>(response.status.code()));
  w.set_message(std::string(response.status.message()));
  w.set_sqlstate(response.sqlstate);
  w.set_found(response.found);
  w.set_value(response.value);
  w.set_leader(response.leader);
  w.set_index(response.index);
  w.set_term(response.term);
  w.set_primary(response.primary);
  w.set_state_hash(response.state_hash);
  for (const storage::KeyValue& kv : response.rows) {
    wire::Row* row = w.add_rows();
    row->set_key(kv.key);
    row->set_value(kv.value);
  }
  w.set_tag(response.tag);
  for (const std::string& c : response.columns) w.add_columns(c);
  for (const auto& row : response.sql_rows) {
    wire::SqlRow* out = w.add_sql_rows();
    for (const auto& v : row) {
      out->add_values(v.value_or(""));
      out->add_nulls(!v.has_value());
    }
  }
  return w.SerializeAsString();
}

absl::StatusOr<ClientResponse> DecodeResponse(std::string_view bytes) {
  if (bytes.size() > kMaxClientMessageBytes) return Bad("response too large");
  wire::Response w;
  if (!w.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return Bad("response does not parse");
  if (w.code() > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) return Bad(absl::StrCat("code ", w.code()));
  const auto code = static_cast<absl::StatusCode>(w.code());
  if (code == absl::StatusCode::kOk && !w.message().empty()) return Bad("OK with an error message");
  if (w.sqlstate().size() > 5) return Bad("SQLSTATE longer than 5 characters");
  ClientResponse r;
  r.id = w.id();
  r.status = absl::Status(code, w.message());
  r.sqlstate = w.sqlstate();
  r.found = w.found();
  r.value = w.value();
  r.leader = w.leader();
  r.index = w.index();
  r.term = w.term();
  r.primary = w.primary();
  r.state_hash = w.state_hash();
  for (const wire::Row& row : w.rows()) {
    if (!r.rows.empty() && row.key() <= r.rows.back().key) return Bad("scan rows out of order");
    r.rows.push_back(storage::KeyValue{row.key(), row.value()});
  }
  r.tag = w.tag();
  r.columns.assign(w.columns().begin(), w.columns().end());
  for (const wire::SqlRow& row : w.sql_rows()) {
    if (row.values_size() != row.nulls_size()) return Bad("SQL row with values and NULL flags of different lengths");
    if (static_cast<size_t>(row.values_size()) != r.columns.size()) return Bad("SQL row not as wide as its columns");
    std::vector<std::optional<std::string>> values;
    for (int i = 0; i < row.values_size(); ++i) {
      if (row.nulls(i) && !row.values(i).empty()) return Bad("a NULL SQL value with bytes");
      values.push_back(row.nulls(i) ? std::nullopt : std::optional<std::string>(row.values(i)));
    }
    r.sql_rows.push_back(std::move(values));
  }
  return r;
}

}  // namespace quanta::net
