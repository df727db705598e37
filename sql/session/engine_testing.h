// Tests' SQL engine over a local store on a simulated process (no replication).
#pragma once

#include <memory>
#include <string>

#include "engine/env/assert.h"
#include "engine/storage/store.h"
#include "sql/session/sql_engine.h"
#include "sql/storage/store_access.h"

namespace quanta::sql::testing {

struct LocalEngine {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<StoreAccess> access;
  std::unique_ptr<SqlEngine> engine;
};

// Opens a store under `dir` of `env`'s data root and an engine over it.
inline Task<void> OpenLocalEngine(Env& env, std::string dir, SqlEngineOptions options, LocalEngine* out) {
  storage::StoreOptions store_options;
  store_options.dir = std::move(dir);
  auto store = co_await storage::Store::Open(env, store_options);
  QUANTA_ASSERT(store.ok());
  out->store = std::move(*store);
  out->access = std::make_unique<StoreAccess>(*out->store);
  out->engine = std::make_unique<SqlEngine>(env, *out->access, SessionInfo(), options);
}

}  // namespace quanta::sql::testing
