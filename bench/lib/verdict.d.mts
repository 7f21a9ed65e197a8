/** See verdict.mjs: 'Lattice behind' when every round was slower than the best peer, 'Lattice ahead' when every round was faster, else level. */
export declare function verdict(row: {
  lattice_behind: boolean | null;
  ratio: { median: number; min: number; max: number } | null;
}): 'Lattice behind' | 'level (within spread)' | 'Lattice ahead' | null;
