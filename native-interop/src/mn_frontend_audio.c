/*
 * mn_frontend_audio.c — the log-mel front-end (mn_frontend.h): 16 kHz int16 PCM, one 320-sample
 * hop at a time -> 40 int8 log-mel energies per hop.
 *
 * What this is: the bit-exact fixed-point definition the device, the host and the training tools
 * share. Integer only, no malloc, no globals but the generated constant tables
 * (mn_frontend_tables.h). What it is not: a general FFT; the 256-point complex radix-4 FFT below
 * serves exactly this 512-point real window.
 *
 * Per hop (symbols: n sample 0..511, k FFT bin, m mel band 0..39, j mel interval 0..40):
 *   x      (512)      int16   overlap (192, from the state) ++ pcm (320)
 *   mid               int32   (min x + max x) >> 1, the frame's midrange; peak = max x - mid
 *                             (>= mid - min x), e = floor(log2 peak). With the Hann window a
 *                             constant reaches only bins 0 and 1, so mid only sets the headroom.
 *   v      (256, 2)   int16   floor((x - mid) * hann * 2^(13-e) / 2^15), read as complex
 *                             z[n] = v[2n] + i v[2n+1] (floor: its -1/2 bias is a constant, bin 0)
 *   Z      (256, 2)   int16   complex FFT of z / 256 (radix 4, 1/4 per stage, each output rounded
 *                             once), bin r + 64 i (r < 64) at point 4 rev3(r) + i
 *   X      bins 4..239        real-FFT split of Z / 2: X = DFT(v) / 512
 *   P      uint32             |X|^2
 *   rising (41)       uint64  rising[j] = sum over the bins k of interval j of P[k] w[k], w the Q15
 *                             weight of k in the filter rising over j (filter j - 1 falls over it)
 *   total  (41)       uint32  total[j] = sum over the same bins of P[k]
 *   band[m] = rising[m] + total[m + 1] * 2^15 - rising[m + 1] = sum_k P[k] * W[m, k] * 2^15
 *   E[m] = band[m] * 2^(3 - 2 (13 - e))                        mel power in int16 counts^2
 *
 * Overflow bounds (why int16/int32 suffice): |x - mid| <= peak < 2^(e+1) and hann <= 32767, so
 * the window product stays below 2^31 and |v[n]| < 2^14 hann[n] / 2^15 + 1. The first stage adds
 * or subtracts four v's per output component, two pairs of samples 256 apart whose weights sum to
 * hann[m] + hann[m + 256] <= 2^15: each component of its t1 -+ i t3, t0 - t2 (y below) stays
 * under 2^15 + 4, |y| < 46350. Later stages: a radix-4 butterfly (a sum of 4 values / 4, times
 * |W| <= 1) never grows the largest magnitude (plus 1 of rounding per stage): all butterfly inputs
 * after the first stage and |Z| stay under 11592, so |y| < 4 * 11592 < 46400, and the unrounded
 * twiddle products |y W| < 46400 * 32769 < 2^31 fit int32. The split (|E|, |O| < 23184) gives
 * |X| < 11593, P < 2^27.01; an interval holds at most 14 bins, so total < 2^31, rising < 2^46,
 * band < 2^47.
 */
#include <string.h>

#include "mn_frontend.h"
#include "mn_frontend_tables.h"

#define MN_FFT_POINTS (MN_AUDIO_WINDOW_SAMPLES / 2)                         /* complex: 256 */
#define MN_OVERLAP_SAMPLES (MN_AUDIO_WINDOW_SAMPLES - MN_AUDIO_HOP_SAMPLES) /* 192 */
#define MN_LOGMEL_STATE_MAGIC 0x314D4C4Du                                   /* "MLM1" */
#define MN_LOG2_LUT_BITS 6

#if defined(__GNUC__)
/* hot helpers with several callers */
#define MN_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define MN_ALWAYS_INLINE inline
#endif

typedef struct {
    uint32_t magic;                      /* MN_LOGMEL_STATE_MAGIC once reset at 16 kHz */
    int16_t overlap_lo, overlap_hi;      /* min and max of overlap[] (0 after reset) */
    int16_t overlap[MN_OVERLAP_SAMPLES]; /* (192) last samples of the previous hop */
} mn_logmel_state;

typedef struct {
    int16_t fft[2 * MN_FFT_POINTS];          /* (256, 2) {re, im} */
    uint64_t rising[MN_LOGMEL_FEATURES + 1]; /* (41) per mel interval j: sum of P w */
    uint32_t total[MN_LOGMEL_FEATURES + 1];  /* (41) per mel interval j: sum of P */
    uint32_t pad;                            /* the same size, 1520, on every ABI */
} mn_logmel_scratch;

typedef char mn_logmel_state_check[(sizeof(mn_logmel_state) == MN_LOGMEL_STATE_SIZE) ? 1 : -1];
typedef char
    mn_logmel_scratch_check[(sizeof(mn_logmel_scratch) == MN_LOGMEL_SCRATCH_SIZE) ? 1 : -1];
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

/* Minimum and maximum of a span of samples. */
typedef struct {
    int32_t lo, hi;
} mn_span_range;

static mn_span_range mn_span_range_of(const int16_t *x, int count)
{
    mn_span_range r = {32767, -32768};
    for (int n = 0; n < count; n++) {
        const int32_t v = x[n];
        r.lo = v < r.lo ? v : r.lo;
        r.hi = v > r.hi ? v : r.hi;
    }
    return r;
}

/* v = floor((x - mid) * w / 2^rshift) for the frame samples n and 512 - n, which share the
 * (symmetric) Hann weight w. fft: the FFT buffer as 512 int16. */
static MN_ALWAYS_INLINE void mn_window_pair(int16_t *fft, int n, int32_t xn, int32_t xm, int32_t w,
                                            int32_t mid, int rshift)
{
    fft[n] = (int16_t)(((xn - mid) * w) >> rshift);
    fft[MN_AUDIO_WINDOW_SAMPLES - n] = (int16_t)(((xm - mid) * w) >> rshift);
}

/* Window and scale the frame x = overlap ++ pcm into the FFT buffer in natural order (sample n
 * is component n & 1 of complex point n >> 1), samples n and 512 - n together. */
static void mn_window(int16_t *fft, const int16_t *overlap, const int16_t *pcm, int32_t mid,
                      int rshift)
{
    const int16_t *tail = pcm + MN_AUDIO_HOP_SAMPLES; /* x[512 - n] = tail[-n] */
    fft[0] = 0;                                       /* hann[0] = 0 */
    for (int n = 1; n < MN_OVERLAP_SAMPLES; n++) {
        mn_window_pair(fft, n, overlap[n], tail[-n], mn_hann_q15[n], mid, rshift);
    }
    for (int n = MN_OVERLAP_SAMPLES; n < MN_FFT_POINTS; n++) {
        mn_window_pair(fft, n, pcm[n - MN_OVERLAP_SAMPLES], tail[-n], mn_hann_q15[n], mid, rshift);
    }
    fft[MN_FFT_POINTS] =
        (int16_t)(((pcm[MN_FFT_POINTS - MN_OVERLAP_SAMPLES] - mid) * mn_hann_q15[MN_FFT_POINTS]) >>
                  rshift);
}

/* out = round(y W / 4), W = c - i s in Q15 {cos, sin}: the butterfly's 1/4 and the Q15 scale go
 * in one rounded shift. |y| < 46400 keeps both sums below 2^31 (header). */
static MN_ALWAYS_INLINE void mn_twiddle_quarter(int16_t *out, int32_t yr, int32_t yi,
                                                const int16_t *w)
{
    const int32_t c = w[0], s = w[1];
    out[0] = (int16_t)((yr * c + yi * s + (1 << 16)) >> 17);
    out[1] = (int16_t)((yi * c - yr * s + (1 << 16)) >> 17);
}

/* Radix-4 DIF butterfly in place on the points a, b, c, d at a + 0, q2, 2 q2, 3 q2 int16s:
 * t0 = a + c, t1 = a - c, t2 = b + d, t3 = b - d,
 *   a' = (t0 + t2) / 4   b' = (t1 - i t3) W^j / 4   c' = (t0 - t2) W^2j / 4   d' = (t1 + i t3) W^3j / 4
 * each rounded once. This one is for j = 0, all twiddles 1: t0 and t1 carry the +2 rounding of
 * all four outputs. */
static MN_ALWAYS_INLINE void mn_butterfly4_unit(int16_t *a, int q2)
{
    int16_t *b = a + q2, *c = b + q2, *d = c + q2;
    const int32_t t0r = a[0] + c[0] + 2, t0i = a[1] + c[1] + 2;
    const int32_t t1r = a[0] - c[0] + 2, t1i = a[1] - c[1] + 2;
    const int32_t t2r = b[0] + d[0], t2i = b[1] + d[1];
    const int32_t t3r = b[0] - d[0], t3i = b[1] - d[1];
    a[0] = (int16_t)((t0r + t2r) >> 2);
    a[1] = (int16_t)((t0i + t2i) >> 2);
    b[0] = (int16_t)((t1r + t3i) >> 2);
    b[1] = (int16_t)((t1i - t3r) >> 2);
    c[0] = (int16_t)((t0r - t2r) >> 2);
    c[1] = (int16_t)((t0i - t2i) >> 2);
    d[0] = (int16_t)((t1r - t3i) >> 2);
    d[1] = (int16_t)((t1i + t3r) >> 2);
}

/* The same butterfly for j > 0, with the twiddles W^j, W^2j, W^3j at w1, w2, w3. */
static MN_ALWAYS_INLINE void mn_butterfly4_twiddled(int16_t *a, int q2, const int16_t *w1,
                                                    const int16_t *w2, const int16_t *w3)
{
    int16_t *b = a + q2, *c = b + q2, *d = c + q2;
    const int32_t t0r = a[0] + c[0], t0i = a[1] + c[1];
    const int32_t t1r = a[0] - c[0], t1i = a[1] - c[1];
    const int32_t t2r = b[0] + d[0], t2i = b[1] + d[1];
    const int32_t t3r = b[0] - d[0], t3i = b[1] - d[1];
    a[0] = (int16_t)((t0r + t2r + 2) >> 2);
    a[1] = (int16_t)((t0i + t2i + 2) >> 2);
    mn_twiddle_quarter(b, t1r + t3i, t1i - t3r, w1);
    mn_twiddle_quarter(c, t0r - t2r, t0i - t2i, w2);
    mn_twiddle_quarter(d, t1r - t3i, t1i + t3r, w3);
}

/* One radix-4 stage in place: butterflies on points q apart within each group of 4q points;
 * W_4q^j = W_512^(j tw), tw = 128 / q. buf: (256, 2) int16. Inlined per stage, so that q and tw
 * are constants. */
static MN_ALWAYS_INLINE void mn_fft_stage(int16_t *buf, int q, int tw)
{
    for (int16_t *a = buf; a < buf + 2 * MN_FFT_POINTS; a += 8 * q) {
        mn_butterfly4_unit(a, 2 * q); /* j = 0: W = 1 */
    }
    for (int j = 1; j < q; j++) {
        const int16_t *w1 = mn_twiddle_q15 + 2 * j * tw; /* index 3 j tw <= 378 */
        const int16_t *w2 = mn_twiddle_q15 + 4 * j * tw;
        const int16_t *w3 = mn_twiddle_q15 + 6 * j * tw;
        for (int16_t *a = buf + 2 * j; a < buf + 2 * MN_FFT_POINTS; a += 8 * q) {
            mn_butterfly4_twiddled(a, 2 * q, w1, w2, w3);
        }
    }
}

/* In-place 256-point complex FFT, radix-4 decimation in frequency, natural-order input, output
 * Z / 256 (1/4 per stage): bin r + 64 i (r < 64) at point 4 mn_digitrev3[r] + i.
 * buf: (256, 2) int16. */
static void mn_fft256_q15(int16_t *buf)
{
    mn_fft_stage(buf, 64, 2); /* spans 256, 64, 16, 4 */
    mn_fft_stage(buf, 16, 8);
    mn_fft_stage(buf, 4, 32);
    mn_fft_stage(buf, 1, 128);
}

/* Add bin k's power p to its mel interval's sums. */
static MN_ALWAYS_INLINE void mn_mel_add(mn_logmel_scratch *sc, int k, uint32_t p)
{
    const int j = mn_mel_band[k - MN_MEL_BIN_FIRST];
    sc->rising[j] += (uint64_t)p * mn_mel_weight_q15[k - MN_MEL_BIN_FIRST];
    sc->total[j] += p;
}

/* Real split of the bins k and 256 - k (k = 1..128) from Z[k] at zk and Z[256-k] at zn: with
 * E = Z[k] + conj Z[256-k] and O = -i (Z[k] - conj Z[256-k]) (both doubled),
 * X[k] = (E + W^k O) / 4 and, since W^(256-k) = -conj W^k, X[256-k] = (conj E - conj(W^k O)) / 4.
 * Returns |X[k]|^2 and |X[256-k]|^2 in p[0], p[1]. */
static MN_ALWAYS_INLINE void mn_split_power(const int16_t *zk, const int16_t *zn, int k,
                                            uint32_t *p)
{
    const int32_t zr = zk[0], zi = zk[1], yr = zn[0], yi = zn[1];
    const int32_t er = zr + yr + 2, ei = zi - yi + 2; /* + 2: rounding of X */
    const int32_t or_ = zi + yi, oi = yr - zr;
    const int32_t c = mn_twiddle_q15[2 * k], s = mn_twiddle_q15[2 * k + 1];
    const int32_t wr = (or_ * c + oi * s + (1 << 14)) >> 15;
    const int32_t wi = (oi * c - or_ * s + (1 << 14)) >> 15;
    const int32_t xr = (er + wr) >> 2, xi = (ei + wi) >> 2;     /* X[k] */
    const int32_t nr = (er - wr) >> 2, ni = (4 - ei + wi) >> 2; /* X[256 - k] */
    p[0] = (uint32_t)(xr * xr + xi * xi);
    p[1] = (uint32_t)(nr * nr + ni * ni);
}

/* Power of the bins 4..239 into the mel interval sums. The last FFT stage leaves
 * Z[r + 64 i] at point 4 rev3(r) + i (r = 0..63), so the bins of the groups r and 64 - r pair up
 * as k, 256 - k: (r, 256 - r), (r + 64, 192 - r), (128 - r, 128 + r), (64 - r, 192 + r). */
static void mn_mel_sums(mn_logmel_scratch *sc)
{
    const int16_t *z = sc->fft;
    uint32_t p[2];
    memset(sc->rising, 0, sizeof(sc->rising));
    memset(sc->total, 0, sizeof(sc->total));
    for (int r = 1; r < 32; r++) {
        const int16_t *u = z + 8 * mn_digitrev3[r], *v = z + 8 * mn_digitrev3[64 - r];
        mn_split_power(u + 2, v + 4, r + 64, p);
        mn_mel_add(sc, r + 64, p[0]);
        mn_mel_add(sc, 192 - r, p[1]);
        mn_split_power(v + 2, u + 4, 128 - r, p);
        mn_mel_add(sc, 128 - r, p[0]);
        mn_mel_add(sc, 128 + r, p[1]);
        mn_split_power(v, u + 6, 64 - r, p);
        mn_mel_add(sc, 64 - r, p[0]);
        mn_mel_add(sc, 192 + r, p[1]);
        if (r >= MN_MEL_BIN_FIRST) {
            mn_split_power(u, v + 6, r, p);
            mn_mel_add(sc, r, p[0]);
            if (r >= MN_FFT_POINTS - MN_MEL_BIN_LAST) {
                mn_mel_add(sc, 256 - r, p[1]);
            }
        }
    }
    const int16_t *u = z + 8 * mn_digitrev3[32]; /* r = 32 is its own partner */
    mn_split_power(u, u + 6, 32, p);
    mn_mel_add(sc, 32, p[0]);
    mn_mel_add(sc, 224, p[1]);
    mn_split_power(u + 2, u + 4, 96, p);
    mn_mel_add(sc, 96, p[0]);
    mn_mel_add(sc, 160, p[1]);
    mn_split_power(z + 2, z + 6, 64, p); /* r = 0: bins 0 (unused), 64, 128, 192 */
    mn_mel_add(sc, 64, p[0]);
    mn_mel_add(sc, 192, p[1]);
    mn_split_power(z + 4, z + 4, 128, p);
    mn_mel_add(sc, 128, p[0]);
}

/* One window (overlap ++ pcm) with its sample range -> features. */
static void mn_logmel_frame(const int16_t *overlap, const int16_t *pcm, mn_span_range range,
                            mn_logmel_scratch *sc, int8_t *features)
{
    const int32_t mid = (range.lo + range.hi) >> 1;
    const int32_t peak = range.hi - mid; /* >= mid - lo */
    if (peak == 0) {                     /* a constant frame: no power in any band */
        memset(features, -128, MN_LOGMEL_FEATURES);
        return;
    }
    const int e =
        mn_ilog2_u32((uint32_t)peak); /* 0..15: scale 2^(13-e) puts the peak in [2^13, 2^14) */
    mn_window(sc->fft, overlap, pcm, mid, e + 2);
    mn_fft256_q15(sc->fft);
    mn_mel_sums(sc);

    /* q = round(6 * (log2(band) - 15 + 18 - 2 (13 - e))) - 144, half up. */
    const int32_t exp_q16 = (int32_t)(2 * e - 23) * 65536;
    for (int m = 0; m < MN_LOGMEL_FEATURES; m++) {
        /* filter m rises over interval m and falls over interval m + 1 */
        const uint64_t b = sc->rising[m] + (((uint64_t)sc->total[m + 1] << 15) - sc->rising[m + 1]);
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
    /* The frame's range joins the overlap's (kept in the state), the hop's head's and its tail's
     * (the next overlap's). */
    const mn_span_range head = mn_span_range_of(pcm, MN_AUDIO_HOP_SAMPLES - MN_OVERLAP_SAMPLES);
    const mn_span_range tail =
        mn_span_range_of(pcm + (MN_AUDIO_HOP_SAMPLES - MN_OVERLAP_SAMPLES), MN_OVERLAP_SAMPLES);
    mn_span_range frame = {s->overlap_lo, s->overlap_hi};
    frame.lo = head.lo < frame.lo ? head.lo : frame.lo;
    frame.lo = tail.lo < frame.lo ? tail.lo : frame.lo;
    frame.hi = head.hi > frame.hi ? head.hi : frame.hi;
    frame.hi = tail.hi > frame.hi ? tail.hi : frame.hi;
    mn_logmel_frame(s->overlap, pcm, frame, sc, features);
    memcpy(s->overlap, pcm + (MN_AUDIO_HOP_SAMPLES - MN_OVERLAP_SAMPLES), sizeof(s->overlap));
    s->overlap_lo = (int16_t)tail.lo;
    s->overlap_hi = (int16_t)tail.hi;
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
                      pcm + (size_t)h * MN_AUDIO_HOP_SAMPLES,
                      features + (size_t)h * MN_LOGMEL_FEATURES);
    }
    return MN_FE_OK;
}
