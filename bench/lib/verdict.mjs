// The plain verdict of one lattice-bench/2 row, shared by the bench's Markdown (bench/lib/report.ts)
// and the README's figures (scripts/readme-figures.mjs), so both say the same thing for a row.
// Plain ESM so that the README script runs under bare `node` without a TypeScript loader.

/**
 * 'Lattice behind' when every round was slower than the best peer (ratio max < 1), 'Lattice ahead'
 * when every round was faster (ratio min > 1), else 'level (within spread)': the rounds disagree.
 * null for a row without a ratio (Lattice or every peer missing).
 *
 * @example verdict({ lattice_behind: true, ratio: { median: 0.9, min: 0.85, max: 0.95 } }) // 'Lattice behind'
 * @param {{ lattice_behind: boolean | null, ratio: { median: number, min: number, max: number } | null }} row
 * @returns {'Lattice behind' | 'level (within spread)' | 'Lattice ahead' | null}
 */
export function verdict(row) {
  if (row.lattice_behind === null || row.lattice_behind === undefined || !row.ratio) return null;
  if (row.lattice_behind) return row.ratio.max >= 1 ? 'level (within spread)' : 'Lattice behind';
  return row.ratio.min <= 1 ? 'level (within spread)' : 'Lattice ahead';
}
