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

static inline int8_t mn_sat8(int32_t v) { return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v)); }

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

/*
 * The same requantization with a 32-bit high product when shift >= 33 (every shift the quantizer
 * writes for linear layers, the conv, y and the gate): bit-exact with mn_rq_wide for every int32
 * acc and mult. Proof: with P = acc * mult (|P| <= 2^62) and s = shift,
 *   floor((P + 2^(s-1)) / 2^s) = floor((floor(P / 2^(s-1)) + 1) / 2)       [floor((floor(x) + m) / n)
 *                                                                          = floor((x + m) / n)]
 *   floor(P / 2^(s-1)) = floor(floor(P / 2^32) / 2^(s-33))                 [nested floor, s >= 33]
 * and hi = floor(P / 2^32) is the high word of the 64-bit product: one instruction on a 32-bit
 * core (MULSH on Xtensa, MULH on RISC-V, SMMUL on Cortex-M), where the int64 form needs a 64-bit
 * add, shift and compare. |hi| <= 2^30, so the result never saturates int32. Shifts below 33 take
 * the int64 path.
 */
static inline int32_t mn_rq_hi(int32_t acc, int32_t mult, int32_t shift)
{
    const int32_t hi = (int32_t)(((int64_t)acc * mult) >> 32);
    return ((hi >> (shift - 33)) + 1) >> 1;
}

/* == mn_rq_apply, by the high product where it applies. */
static inline int32_t mn_rq32_hp(int32_t acc, const mn_rq *rq)
{
    return rq->shift >= 33 ? mn_rq_hi(acc, rq->mult, rq->shift) : mn_rq_apply(acc, rq);
}

/* == mn_rq_s8, by the high product where it applies. t is twice the result (plus one) before the
 * last shift: it fits int8 iff t + 256 < 512 as unsigned, one compare. */
static inline int8_t mn_rq8_hp(int32_t acc, const mn_rq *rq)
{
    if (rq->shift >= 33) {
        const int32_t hi = (int32_t)(((int64_t)acc * rq->mult) >> 32);
        const int32_t t = (hi >> (rq->shift - 33)) + 1;
        return (int8_t)((uint32_t)(t + 256) < 512u ? t >> 1 : (t < 0 ? -128 : 127));
    }
    return mn_rq_s8(acc, rq);
}

/*
 * The requantization the kernels use: the high-product forms on 32-bit cores, the int64 forms on
 * 64-bit hosts (where the 64-bit product is one multiply and the shift one instruction, and the
 * extra compare would only cost). Both are the same function of their arguments; the tests build
 * the kernels both ways (tests/mn_kernels_ansi_hp.c).
 */
#ifndef MN_RQ_HIGH_PRODUCT
#if defined(UINTPTR_MAX) && UINTPTR_MAX > 0xFFFFFFFFu
#define MN_RQ_HIGH_PRODUCT 0
#else
#define MN_RQ_HIGH_PRODUCT 1
#endif
#endif

static inline int32_t mn_rq32(int32_t acc, const mn_rq *rq)
{
#if MN_RQ_HIGH_PRODUCT
    return mn_rq32_hp(acc, rq);
#else
    return mn_rq_apply(acc, rq);
#endif
}

static inline int8_t mn_rq8(int32_t acc, const mn_rq *rq)
{
#if MN_RQ_HIGH_PRODUCT
    return mn_rq8_hp(acc, rq);
#else
    return mn_rq_s8(acc, rq);
#endif
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
