// CRC32C (Castagnoli) for every on-disk and on-wire checksum of QuantaDB.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at start-up),
// otherwise a slicing table. Both give identical results; a test checks them against
// the standard test vectors and against each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quanta::crc32c {

// Returns the CRC32C of data, continuing from `crc` (the value for the bytes before).
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// The portable implementation, exposed so tests can compare both paths.
uint32_t ExtendPortable(uint32_t crc, const void* data, size_t n);

// Masks a CRC stored next to the data it covers, so a CRC of bytes that embed CRCs
// (a record holding a record) does not degenerate (LevelDB's trick).
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace quanta::crc32c
