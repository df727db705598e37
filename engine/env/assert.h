// Always-on assertions for invariants of QuantaDB's own code.
//
// QUANTA_ASSERT(cond) stays on in every build type: a broken invariant stops the
// process with the file, line and condition rather than letting it corrupt data.
// QUANTA_DEBUG_ASSERT(cond) is for checks too expensive for release builds.
// Neither is ever used on user input (SQL, packets, config, files on disk): that gets a
// Status with a message. Split compound conditions so a failure names the broken part.
#pragma once

namespace quanta::internal {
[[noreturn]] void AssertFail(const char* file, int line, const char* condition,
                             const char* message);
// A line printed after any assertion failure on this thread (the simulator sets it to
// the command that replays the current seed). Pass null to clear.
void SetAssertContext(const char* context);
}  // namespace quanta::internal

#define QUANTA_ASSERT(cond)                                                  \
  do {                                                                       \
    if (__builtin_expect(!(cond), 0)) {                                      \
      ::quanta::internal::AssertFail(__FILE__, __LINE__, #cond, nullptr);    \
    }                                                                        \
  } while (0)

#define QUANTA_ASSERT_MSG(cond, msg)                                         \
  do {                                                                       \
    if (__builtin_expect(!(cond), 0)) {                                      \
      ::quanta::internal::AssertFail(__FILE__, __LINE__, #cond, (msg));      \
    }                                                                        \
  } while (0)

#define QUANTA_UNREACHABLE(msg) \
  ::quanta::internal::AssertFail(__FILE__, __LINE__, "unreachable", (msg))

#ifdef NDEBUG
#define QUANTA_DEBUG_ASSERT(cond) \
  do {                            \
  } while (0)
#else
#define QUANTA_DEBUG_ASSERT(cond) QUANTA_ASSERT(cond)
#endif
