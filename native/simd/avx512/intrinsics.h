// The AVX-512 intrinsics, for the files of this folder (compiled with AVX-512 flags).
// GCC 12 flags the deliberately undefined pass-through operand inside the AVX-512
// shuffle intrinsics as "(maybe) uninitialized" once they are inlined; it is not. The
// pragmas hold for the rest of the including file.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
