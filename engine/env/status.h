// Status helpers: the installed Abseil (20220623) has no status macros, so these are ours.
//
// RETURN_IF_ERROR(expr)        returns expr's status from the enclosing function if not OK.
// ASSIGN_OR_RETURN(lhs, expr)  evaluates a StatusOr; returns its status on error,
//                              otherwise assigns (or declares, `auto x`) lhs from its value.
// CO_RETURN_IF_ERROR / CO_ASSIGN_OR_RETURN are the same for coroutines (co_return).
//
// Error codes follow the canonical meanings used across QuantaDB:
//   kUnavailable        transient; retry the call (connection reset, peer down)
//   kAborted            retry the whole transaction
//   kFailedPrecondition do not retry; state must change first
//   kDataLoss           corruption or unrecoverable loss detected (never served)
//   kResourceExhausted  a limit was hit (disk full, queue full)
//   kInternal           an I/O error reported by the OS (EIO)
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QUANTA_STATUS_CONCAT_INNER(a, b) a##b
#define QUANTA_STATUS_CONCAT(a, b) QUANTA_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status quanta_status_ = (expr);        \
    if (!quanta_status_.ok()) return quanta_status_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  QUANTA_ASSIGN_OR_RETURN_IMPL(QUANTA_STATUS_CONCAT(quanta_statusor_, __LINE__), lhs, expr, return)

#define CO_RETURN_IF_ERROR(expr)                      \
  do {                                                \
    ::absl::Status quanta_status_ = (expr);           \
    if (!quanta_status_.ok()) co_return quanta_status_; \
  } while (0)

#define CO_ASSIGN_OR_RETURN(lhs, expr) \
  QUANTA_ASSIGN_OR_RETURN_IMPL(QUANTA_STATUS_CONCAT(quanta_statusor_, __LINE__), lhs, expr, co_return)

#define QUANTA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, ret) \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) ret std::move(tmp).status();             \
  lhs = std::move(tmp).value()
