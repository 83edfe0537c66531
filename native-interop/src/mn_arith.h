/*
 * mn_arith.h — the fixed-point primitives of the INT8 kernel (internal; see mamba_nano.h for the
 * arithmetic they implement). Right shifts of negative values are arithmetic (true of every
 * compiler we target).
 */
#ifndef MN_ARITH_H
#define MN_ARITH_H

#include "mamba_nano.h"

/* round_half_up(acc * mult / 2^shift) in int64; shift in [0, 62] (loader-checked), so neither the
 * product (< 2^62) nor the rounding term overflows. */
static inline int64_t mn_rq_wide(int32_t acc, const mn_rq *rq)
{
    return ((int64_t)acc * rq->mult + (((int64_t)1 << rq->shift) >> 1)) >> rq->shift;
}

/* Requantize to int32, saturating. */
static inline int32_t mn_rq_apply(int32_t acc, const mn_rq *rq)
{
    const int64_t p = mn_rq_wide(acc, rq);
    return (int32_t)(p > INT32_MAX ? INT32_MAX : (p < INT32_MIN ? INT32_MIN : p));
}

/* Requantize to int8, saturating (== sat8(mn_rq_apply(acc, rq)) with one clamp). */
static inline int8_t mn_rq_s8(int32_t acc, const mn_rq *rq)
{
    const int64_t p = mn_rq_wide(acc, rq);
    return (int8_t)(p > 127 ? 127 : (p < -128 ? -128 : p));
}

static inline int8_t mn_sat8(int32_t v)
{
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

/* sat8(a + b) without int32 overflow: either term may be a saturated requantization. */
static inline int8_t mn_sat8_sum(int32_t a, int32_t b)
{
    const int64_t v = (int64_t)a + b;
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

static inline int16_t mn_sat16(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

/* Dot product of one int8 row with x, 2 columns per iteration. */
static inline int32_t mn_dot_s8(const int8_t *w, const int8_t *x, int cols)
{
    int32_t acc = 0;
    int i = 0;
    for (; i + 1 < cols; i += 2) {
        acc += w[i] * x[i] + w[i + 1] * x[i + 1];
    }
    if (i < cols) {
        acc += w[i] * x[i];
    }
    return acc;
}

#endif /* MN_ARITH_H */
