/** The benches' median: the upper middle element of the sorted samples (no averaging of the two middle ones). */

/** The median of a list. @example `median([3, 1, 2]) // 2` */
export const median = (v: readonly number[]): number => { const s = v.slice().sort((a, b) => a - b); return s[s.length >> 1]; };
