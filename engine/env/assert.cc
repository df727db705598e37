#include "engine/env/assert.h"

#include <cstdio>
#include <cstdlib>

namespace quanta::internal {

void AssertFail(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "%s:%d: assertion failed: %s%s%s\n", file, line, condition,
               message != nullptr ? ": " : "", message != nullptr ? message : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace quanta::internal
