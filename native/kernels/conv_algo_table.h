// Placeholder until `npx tsx bench/conv-table.ts` measures it; do not edit by hand.
#pragma once

#include <cstdint>

namespace lattice {

constexpr uint8_t kConvWinogradWins[4][4][4] = {};

}  // namespace lattice
