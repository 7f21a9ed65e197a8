/** See workload-ids.mjs: the workloads' table ids (gemm: 'W1', ...). */
export declare const WORKLOAD_IDS: Record<string, string>;
