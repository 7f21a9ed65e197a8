// Philox4x32-10 stream kernels: the same words and uniforms as PhiloxStream in
// src/tensor/philox.ts for a given (seed, offset).
//
// Stream: key = {seed lo32, seed hi32}; block b uses counter {b lo32, b hi32, 0, 0}
// and yields its four output words in order. `offset` is the first block; the
// caller (TS) advances its offset by ceil(words / 4) after a draw. Word i of a
// draw comes from block offset + i / 4, so a range of whole blocks can be
// generated independently (e.g. per thread) with the same result.
#pragma once

#include <cstdint>

namespace lattice {

// The Random123 block function: 4 counter words, 2 key words -> 4 words.
void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

// out[0..n) = words of the stream starting at block `offset`.
void philoxUint32(uint64_t seed, uint64_t offset, uint32_t* out, int64_t n);

// out[i] = (word_i >> 8) * 2^-24, in [0, 1). Uses n words.
void philoxUniformF32(uint64_t seed, uint64_t offset, float* out, int64_t n);

// out[i] = ((word_2i >> 5) * 2^26 + (word_2i+1 >> 6)) * 2^-53, in [0, 1). Uses 2n words.
void philoxUniformF64(uint64_t seed, uint64_t offset, double* out, int64_t n);

}  // namespace lattice
