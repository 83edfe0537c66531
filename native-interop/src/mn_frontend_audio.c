/*
 * mn_frontend_audio.c — the log-mel front-end (mn_frontend.h): 16 kHz int16 PCM, one 320-sample
 * hop at a time -> 40 int8 log-mel energies per hop.
 *
 * What this is: the bit-exact fixed-point definition the device, the host and the training tools
 * share. Integer only, no malloc, no globals but the generated constant tables
 * (mn_frontend_tables.h). What it is not: a general FFT; the 256-point complex radix-4 FFT below
 * serves exactly this 512-point real window.
 *
 * Per hop (symbols: n sample 0..511, k FFT bin, m mel band 0..39):
 *   x      (512)      int16   overlap (192, from the state) ++ pcm (320)
 *   v      (256, 2)   int16   (x - mean) * hann * 2^(13-e) / 2^15, e = floor(log2 peak|x - mean|),
 *                             read as complex z[n] = v[2n] + i v[2n+1]
 *   Z      (256, 2)   int16   complex FFT of z / 256 (radix 4, 1/4 per stage), digit-reversed
 *   X      bins 4..239        real-FFT split of Z / 2: X = DFT(v) / 512
 *   P      uint32             |X|^2
 *   band   (42)       uint64  band[m + 1] = sum_k P[k] * W[m, k] * 2^15 (band[0], band[41] unused)
 *   E[m] = band[m + 1] * 2^(3 - 2 (13 - e))           mel power in int16 counts^2
 *
 * Overflow bounds (why int16/int32 suffice): |x - mean| <= 65535 and hann <= 32767, so the window
 * product plus its rounding term stays below 2^31; |v| < 2^14, so |z| < 2^14 * sqrt(2) = 23171.
 * A radix-4 butterfly (a sum of 4 values / 4, times |W| <= 1) never grows the largest magnitude
 * (plus 1 of rounding per stage), nor does the split, so |Z|, |X| < 23200, P < 2^31, and the Q15 products
 * (|.| < 46400 * 2^15 < 2^31) fit int32. band sums at most 40 bins of P * 2^15 < 2^52.
 */
#include <string.h>

#include "mn_frontend.h"
#include "mn_frontend_tables.h"

#define MN_FFT_POINTS (MN_AUDIO_WINDOW_SAMPLES / 2)                     /* complex: 256 */
#define MN_OVERLAP_SAMPLES (MN_AUDIO_WINDOW_SAMPLES - MN_AUDIO_HOP_SAMPLES) /* 192 */
#define MN_LOGMEL_STATE_MAGIC 0x314D4C4Du                               /* "MLM1" */
#define MN_LOG2_LUT_BITS 6

typedef struct {
    uint32_t magic;                         /* MN_LOGMEL_STATE_MAGIC once reset at 16 kHz */
    int16_t overlap[MN_OVERLAP_SAMPLES];    /* (192) last samples of the previous hop */
} mn_logmel_state;

typedef struct {
    int16_t fft[2 * MN_FFT_POINTS];          /* (256, 2) {re, im} */
    uint64_t band[MN_LOGMEL_FEATURES + 2];   /* (42) */
} mn_logmel_scratch;

typedef char mn_logmel_state_check[(sizeof(mn_logmel_state) == MN_LOGMEL_STATE_SIZE) ? 1 : -1];
typedef char mn_logmel_scratch_check[(sizeof(mn_logmel_scratch) == MN_LOGMEL_SCRATCH_SIZE) ? 1 : -1];
typedef char mn_logmel_hop_check[(MN_AUDIO_HOP_SAMPLES >= MN_OVERLAP_SAMPLES) ? 1 : -1];

size_t mn_logmel_state_size(void) { return sizeof(mn_logmel_state); }
size_t mn_logmel_scratch_size(void) { return sizeof(mn_logmel_scratch); }

mn_fe_status mn_logmel_reset(void *state, size_t state_size, int32_t sample_rate_hz)
{
    if (state == NULL || ((uintptr_t)state & 3u) != 0) {
        return MN_FE_ERR_ARG;
    }
    if (state_size < sizeof(mn_logmel_state)) {
        return MN_FE_ERR_BUFFER_TOO_SMALL;
    }
    mn_logmel_state *s = (mn_logmel_state *)state;
    memset(s, 0, sizeof(*s));
    if (sample_rate_hz != MN_AUDIO_SAMPLE_RATE_HZ) {
        return MN_FE_ERR_SAMPLE_RATE;
    }
    s->magic = MN_LOGMEL_STATE_MAGIC;
    return MN_FE_OK;
}

/* floor(log2(v)), v > 0. */
static int mn_ilog2_u32(uint32_t v)
{
#if defined(__GNUC__)
    return 31 - __builtin_clz(v);
#else
    int n = 0;
    while (v >>= 1) {
        n++;
    }
    return n;
#endif
}

static int mn_ilog2_u64(uint64_t v)
{
    const uint32_t hi = (uint32_t)(v >> 32);
    return hi != 0 ? 32 + mn_ilog2_u32(hi) : mn_ilog2_u32((uint32_t)v);
}

/* log2(v) in Q16 for v > 0: exponent plus a 64-segment linearly interpolated mantissa. */
static int32_t mn_log2_q16(uint64_t v)
{
    const int n = mn_ilog2_u64(v);
    const uint32_t mant = n >= 31 ? (uint32_t)(v >> (n - 31)) : (uint32_t)v << (31 - n); /* 1.31 */
    const uint32_t i = (mant >> (31 - MN_LOG2_LUT_BITS)) & ((1u << MN_LOG2_LUT_BITS) - 1u);
    const int32_t r = (int32_t)((mant >> (15 - MN_LOG2_LUT_BITS)) & 0xFFFFu); /* next 16 bits */
    const int32_t lo = mn_log2_lut_q16[i];
    return (int32_t)((uint32_t)n << 16) + lo + (((mn_log2_lut_q16[i + 1] - lo) * r) >> 16);
}

/* Window and scale one source span of the frame into the FFT buffer, in natural order: sample n
 * is component n & 1 of complex point n >> 1. */
static void mn_window_span(int16_t *fft, const int16_t *x, int n0, int count, int32_t mean,
                           int rshift)
{
    const int32_t rounding = (int32_t)1 << (rshift - 1);
    const int16_t *w = mn_hann_q15 + n0;
    int16_t *out = fft + n0;
    for (int i = 0; i < count; i++) {
        out[i] = (int16_t)(((x[i] - mean) * w[i] + rounding) >> rshift);
    }
}

/* y * W, W = c - i s in Q15, rounded. |y| <= 23200 keeps both sums below 2^31. */
static void mn_twiddle_mul(int16_t *out, int32_t yr, int32_t yi, int32_t c, int32_t s)
{
    out[0] = (int16_t)((yr * c + yi * s + (1 << 14)) >> 15);
    out[1] = (int16_t)((yi * c - yr * s + (1 << 14)) >> 15);
}

/* In-place 256-point complex FFT, radix-4 decimation in frequency, natural-order input, output
 * / 256 (1/4 per stage) with bin k at point mn_digitrev4[k]. buf: (256, 2) int16.
 * Butterfly on a, b, c, d (quarters q apart), t0 = a + c, t1 = a - c, t2 = b + d, t3 = b - d:
 *   a' = (t0 + t2) / 4   b' = (t1 - i t3) / 4 * W^j   c' = (t0 - t2) / 4 * W^2j   d' = (t1 + i t3) / 4 * W^3j
 * Each output is at most the largest input magnitude (+1 rounding): no stage can overflow. */
static void mn_fft256_q15(int16_t *buf)
{
    /* stages with span 4q = 256, 64, 16: W_4q^j = W_512^(j tw), tw = 128 / q */
    for (int q = MN_FFT_POINTS / 4, tw = 2; q > 1; q >>= 2, tw <<= 2) {
        for (int j = 0; j < q; j++) {
            const int16_t *w1 = mn_twiddle_q15 + 2 * j * tw; /* index 3 j tw <= 378 */
            const int16_t *w2 = mn_twiddle_q15 + 4 * j * tw;
            const int16_t *w3 = mn_twiddle_q15 + 6 * j * tw;
            for (int g = j; g < MN_FFT_POINTS; g += 4 * q) {
                int16_t *a = buf + 2 * g, *b = a + 2 * q, *c = a + 4 * q, *d = a + 6 * q;
                const int32_t t0r = a[0] + c[0], t0i = a[1] + c[1];
                const int32_t t1r = a[0] - c[0], t1i = a[1] - c[1];
                const int32_t t2r = b[0] + d[0], t2i = b[1] + d[1];
                const int32_t t3r = b[0] - d[0], t3i = b[1] - d[1];
                a[0] = (int16_t)((t0r + t2r + 2) >> 2);
                a[1] = (int16_t)((t0i + t2i + 2) >> 2);
                mn_twiddle_mul(b, (t1r + t3i + 2) >> 2, (t1i - t3r + 2) >> 2, w1[0], w1[1]);
                mn_twiddle_mul(c, (t0r - t2r + 2) >> 2, (t0i - t2i + 2) >> 2, w2[0], w2[1]);
                mn_twiddle_mul(d, (t1r - t3i + 2) >> 2, (t1i + t3r + 2) >> 2, w3[0], w3[1]);
            }
        }
    }
    /* last stage, span 4: all twiddles are 1 */
    for (int16_t *a = buf; a < buf + 2 * MN_FFT_POINTS; a += 8) {
        int16_t *b = a + 2, *c = a + 4, *d = a + 6;
        const int32_t t0r = a[0] + c[0], t0i = a[1] + c[1];
        const int32_t t1r = a[0] - c[0], t1i = a[1] - c[1];
        const int32_t t2r = b[0] + d[0], t2i = b[1] + d[1];
        const int32_t t3r = b[0] - d[0], t3i = b[1] - d[1];
        a[0] = (int16_t)((t0r + t2r + 2) >> 2);
        a[1] = (int16_t)((t0i + t2i + 2) >> 2);
        b[0] = (int16_t)((t1r + t3i + 2) >> 2);
        b[1] = (int16_t)((t1i - t3r + 2) >> 2);
        c[0] = (int16_t)((t0r - t2r + 2) >> 2);
        c[1] = (int16_t)((t0i - t2i + 2) >> 2);
        d[0] = (int16_t)((t1r - t3i + 2) >> 2);
        d[1] = (int16_t)((t1i + t3r + 2) >> 2);
    }
}

/* Add bin k's power xr^2 + xi^2 to its two mel filters. band: (M + 2). */
static void mn_mel_add(uint64_t *band, int k, int32_t xr, int32_t xi)
{
    const uint32_t p = (uint32_t)(xr * xr) + (uint32_t)(xi * xi);
    const int j = mn_mel_band[k - MN_MEL_BIN_FIRST];
    const uint64_t rising = (uint64_t)p * mn_mel_weight_q15[k - MN_MEL_BIN_FIRST];
    band[j + 1] += rising;                   /* filter j, rising edge */
    band[j] += ((uint64_t)p << 15) - rising; /* filter j - 1, falling edge */
}

/* One window (overlap ++ pcm) -> features. */
static void mn_logmel_frame(const int16_t *overlap, const int16_t *pcm, mn_logmel_scratch *sc,
                            int8_t *features)
{
    /* Frame mean and peak of |x - mean| in one pass over min, max and sum (|sum| <= 2^24). */
    int32_t sum = 0, lo = 32767, hi = -32768;
    for (int n = 0; n < MN_OVERLAP_SAMPLES; n++) {
        const int32_t v = overlap[n];
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    for (int n = 0; n < MN_AUDIO_HOP_SAMPLES; n++) {
        const int32_t v = pcm[n];
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    const int32_t mean = (sum + MN_AUDIO_WINDOW_SAMPLES / 2) >> 9;
    const int32_t peak = (hi - mean) > (mean - lo) ? (hi - mean) : (mean - lo);
    if (peak == 0) { /* a constant frame: no power in any band */
        memset(features, -128, MN_LOGMEL_FEATURES);
        return;
    }
    const int e = mn_ilog2_u32((uint32_t)peak); /* 0..15: scale 2^(13-e) puts the peak in [2^13, 2^14) */
    mn_window_span(sc->fft, overlap, 0, MN_OVERLAP_SAMPLES, mean, e + 2);
    mn_window_span(sc->fft, pcm, MN_OVERLAP_SAMPLES, MN_AUDIO_HOP_SAMPLES, mean, e + 2);

    mn_fft256_q15(sc->fft);

    /* Real split, bins k and 256 - k together: with E = Z[k] + conj Z[256-k] and
     * O = -i (Z[k] - conj Z[256-k]) (both doubled), X[k] = (E + W^k O) / 4 and, since
     * W^(256-k) = -conj W^k, X[256-k] = (conj E - conj(W^k O)) / 4. */
    memset(sc->band, 0, sizeof(sc->band));
    const int16_t *z = sc->fft;
    for (int k = MN_MEL_BIN_FIRST; k <= MN_FFT_POINTS / 2; k++) {
        const int16_t *zk = z + 2 * mn_digitrev4[k], *zn = z + 2 * mn_digitrev4[MN_FFT_POINTS - k];
        const int32_t zr = zk[0], zi = zk[1], yr = zn[0], yi = zn[1]; /* Z[k], Z[256 - k] */
        const int32_t er = zr + yr, ei = zi - yi;
        const int32_t or_ = zi + yi, oi = yr - zr;
        const int32_t c = mn_twiddle_q15[2 * k], s = mn_twiddle_q15[2 * k + 1];
        const int32_t wr = (or_ * c + oi * s + (1 << 14)) >> 15;
        const int32_t wi = (oi * c - or_ * s + (1 << 14)) >> 15;
        mn_mel_add(sc->band, k, (er + wr + 2) >> 2, (ei + wi + 2) >> 2);
        if (MN_FFT_POINTS - k <= MN_MEL_BIN_LAST && k != MN_FFT_POINTS / 2) {
            mn_mel_add(sc->band, MN_FFT_POINTS - k, (er - wr + 2) >> 2, (wi - ei + 2) >> 2);
        }
    }

    /* q = round(6 * (log2(band) - 15 + 18 - 2 (13 - e))) - 144, half up. */
    const int32_t exp_q16 = (int32_t)(2 * e - 23) * 65536;
    for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
        const uint64_t b = sc->band[m + 1];
        if (b == 0) {
            features[m] = -128;
            continue;
        }
        const int32_t log2_q16 = mn_log2_q16(b) + exp_q16; /* |.| < 2^23 */
        const int32_t q = ((MN_LOGMEL_UNITS_PER_LOG2 * log2_q16 + (1 << 15)) >> 16) -
                          MN_LOGMEL_UNITS_PER_LOG2 * MN_LOGMEL_LOG2_REF;
        features[m] = (int8_t)(q > 127 ? 127 : (q < -128 ? -128 : q));
    }
}

static mn_fe_status mn_logmel_check(void *state, size_t state_size, void *scratch,
                                    size_t scratch_size)
{
    if (state == NULL || scratch == NULL || ((uintptr_t)state & 3u) != 0 ||
        ((uintptr_t)scratch & 7u) != 0) {
        return MN_FE_ERR_ARG;
    }
    if (state_size < sizeof(mn_logmel_state) || scratch_size < sizeof(mn_logmel_scratch)) {
        return MN_FE_ERR_BUFFER_TOO_SMALL;
    }
    if (((const mn_logmel_state *)state)->magic != MN_LOGMEL_STATE_MAGIC) {
        return MN_FE_ERR_NOT_RESET;
    }
    return MN_FE_OK;
}

static void mn_logmel_hop(mn_logmel_state *s, mn_logmel_scratch *sc, const int16_t *pcm,
                          int8_t *features)
{
    mn_logmel_frame(s->overlap, pcm, sc, features);
    memcpy(s->overlap, pcm + (MN_AUDIO_HOP_SAMPLES - MN_OVERLAP_SAMPLES), sizeof(s->overlap));
}

mn_fe_status mn_logmel_step_s8(void *state, size_t state_size, void *scratch, size_t scratch_size,
                               const int16_t *pcm, int8_t *features)
{
    const mn_fe_status status = mn_logmel_check(state, state_size, scratch, scratch_size);
    if (status != MN_FE_OK) {
        return status;
    }
    if (pcm == NULL || features == NULL) {
        return MN_FE_ERR_ARG;
    }
    mn_logmel_hop((mn_logmel_state *)state, (mn_logmel_scratch *)scratch, pcm, features);
    return MN_FE_OK;
}

mn_fe_status mn_logmel_run_s8(void *state, size_t state_size, void *scratch, size_t scratch_size,
                              const int16_t *pcm, int32_t n_samples, int8_t *features)
{
    const mn_fe_status status = mn_logmel_check(state, state_size, scratch, scratch_size);
    if (status != MN_FE_OK) {
        return status;
    }
    if (n_samples < 0 || (n_samples > 0 && (pcm == NULL || features == NULL))) {
        return MN_FE_ERR_ARG;
    }
    if (n_samples % MN_AUDIO_HOP_SAMPLES != 0) {
        return MN_FE_ERR_HOP;
    }
    const int32_t hops = n_samples / MN_AUDIO_HOP_SAMPLES;
    for (int32_t h = 0; h < hops; h++) {
        mn_logmel_hop((mn_logmel_state *)state, (mn_logmel_scratch *)scratch,
                      pcm + (size_t)h * MN_AUDIO_HOP_SAMPLES, features + (size_t)h * MN_LOGMEL_FEATURES);
    }
    return MN_FE_OK;
}
