#include "engine/env/assert.h"

#include <cstdio>
#include <cstdlib>

namespace quanta::internal {
namespace {
thread_local const char* assert_context = nullptr;
}  // namespace

void SetAssertContext(const char* context) { assert_context = context; }

void AssertFail(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s%s%s\n", file, line, condition,
               message != nullptr ? ": " : "", message != nullptr ? message : "");
  if (assert_context != nullptr) std::fprintf(stderr, "  while running: %s\n", assert_context);
  std::fflush(stderr);
  std::abort();
}

}  // namespace quanta::internal
