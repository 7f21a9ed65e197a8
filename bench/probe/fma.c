/*
 * fp32 FMA peak probe for bench/run.ts: GFLOP/s per core with AVX2 (8 lanes) and AVX-512
 * (16 lanes), 1 thread and every thread, and a check of the result.
 *
 * Each of CHAINS accumulators runs x <- x * m + a (one FMA) ITERS times. The chains are
 * independent (CHAINS >= latency x ports, so the FMA units never wait) and each starts from a
 * different value read at run time, so the compiler can neither merge them (a probe whose
 * chains were merged reported 2-3x the real peak) nor fold the loop. The check: every lane
 * must equal the closed form m^n x0 + a (1 - m^n) / (1 - m), computed in double, to 1e-3; a
 * probe that skipped work would fail it. Prints one JSON object.
 *
 *   gcc -O2 -pthread -o fma fma.c && ./fma [threads]
 */
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHAINS 12
/* 2^24 / ITERS keeps every value an exact float integer: x0 + ITERS * a < 2^24. */
#define ITERS 16000000L
#define ROUNDS 6

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }

/* Lanes that differ from the closed form x0 + ITERS * a (exact in float: all integers < 2^24). */
static long check(const float *lanes, int n, float x0, float a) {
  long bad = 0;
  for (int i = 0; i < n; i++)
    if (lanes[i] != x0 + i + (double)ITERS * a) bad++;
  return bad;
}

#define REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

/* m and a are run-time values (1 and 1): x <- x * m + a is one FMA the compiler cannot fold. */
__attribute__((target("avx2,fma"))) static double run_avx2(float start, float m_, float a_, float *out) {
#define INIT2(c) __m256 x##c = _mm256_add_ps(_mm256_set1_ps(start + c * 8), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7));
  REP12(INIT2)
  const __m256 m = _mm256_set1_ps(m_), a = _mm256_set1_ps(a_);
  for (long i = 0; i < ITERS; i++) {
#define STEP2(c) x##c = _mm256_fmadd_ps(x##c, m, a);
    REP12(STEP2)
  }
#define STORE2(c) _mm256_storeu_ps(out + c * 8, x##c);
  REP12(STORE2)
  return (double)CHAINS * 8 * 2 * ITERS;
}

__attribute__((target("avx512f"))) static double run_avx512(float start, float m_, float a_, float *out) {
#define INIT5(c) __m512 x##c = _mm512_add_ps(_mm512_set1_ps(start + c * 16), \
    _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  REP12(INIT5)
  const __m512 m = _mm512_set1_ps(m_), a = _mm512_set1_ps(a_);
  for (long i = 0; i < ITERS; i++) {
#define STEP5(c) x##c = _mm512_fmadd_ps(x##c, m, a);
    REP12(STEP5)
  }
#define STORE5(c) _mm512_storeu_ps(out + c * 16, x##c);
  REP12(STORE5)
  return (double)CHAINS * 16 * 2 * ITERS;
}

/* cpu_s: the thread's own CPU time. On a shared machine other jobs take wall time from the
 * probe, not CPU time, so flops / cpu_s is the core's rate even when the wall figure is low. */
typedef struct { int avx512; float m, a; double flops, cpu_s; long bad; } Job;

static void *work(void *p) {
  Job *j = p;
  float out[CHAINS * 16];
  int lanes = CHAINS * (j->avx512 ? 16 : 8);
  double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
  for (int r = 0; r < ROUNDS; r++) {
    float x0 = (float)(r * 1000); /* a different start each round */
    j->flops += j->avx512 ? run_avx512(x0, j->m, j->a, out) : run_avx2(x0, j->m, j->a, out);
    j->bad += check(out, lanes, x0, j->a);
  }
  j->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  return NULL;
}

/* GFLOP/s of `threads` concurrent probes; *bad counts the lanes that failed the check. */
static double probe(int avx512, int threads, float m, float a, long *bad, double *per_cpu_s) {
  pthread_t t[64];
  Job jobs[64];
  double t0 = now(), flops = 0, cpu = 0;
  for (int i = 0; i < threads; i++) {
    jobs[i] = (Job){avx512, m, a, 0, 0, 0};
    pthread_create(&t[i], NULL, work, &jobs[i]);
  }
  *bad = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    flops += jobs[i].flops;
    *bad += jobs[i].bad;
    cpu += jobs[i].cpu_s;
  }
  *per_cpu_s = flops / cpu / 1e9;
  return flops / (now() - t0) / 1e9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1 || threads > 64) threads = 2;
  /* m = 1 and a = 1, read at run time so the compiler cannot fold x * m + a. */
  float m = (float)(argc > 2 ? atof(argv[2]) : 1.0), a = (float)(argc > 3 ? atof(argv[3]) : 1.0);
  if (m != 1.0f || a != 1.0f) { fprintf(stderr, "fma: m and a must be 1 (the check assumes it)\n"); return 2; }
  __builtin_cpu_init();
  int has512 = __builtin_cpu_supports("avx512f"), has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  printf("{\"chains\":%d,\"iters\":%ld,\"rounds\":%d", CHAINS, ITERS, ROUNDS);
  const char *names[2] = {"avx2", "avx512"};
  int ok = 1;
  for (int isa = 0; isa < 2; isa++) {
    if (isa == 0 ? !has2 : !has512) continue;
    long b1, bn;
    double c1, cn;
    double g1 = probe(isa, 1, m, a, &b1, &c1);
    double gn = probe(isa, threads, m, a, &bn, &cn);
    int pass = b1 == 0 && bn == 0;
    ok &= pass;
    printf(",\"%s\":{\"gflops_1t\":%.2f,\"gflops_%dt\":%.2f,\"per_core\":%.2f,\"per_core_%dt\":%.2f,\"per_cpu_second\":%.2f,\"per_cpu_second_%dt\":%.2f,\"wrong_lanes\":%ld,\"check\":\"%s\"}",
           names[isa], g1, threads, gn, g1, threads, gn / threads, c1, threads, cn, b1 + bn, pass ? "pass" : "FAIL");
  }
  printf(",\"threads\":%d,\"check\":\"%s\"}\n", threads, ok ? "pass" : "FAIL");
  return ok ? 0 : 1;
}
