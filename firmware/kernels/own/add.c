/* TFLite's int8 add (reference_integer_ops::AddElementwise; CMSIS-NN arm_elementwise_add_s8 computes the same). */
#include "mcunas_kernels.h"
#include "requant.h"

/*
 * One input's requantization for x = (v + offset) << 20 (TFLite's left shift), in one of two exact forms:
 * half (multiplier 2^30, shift 0, what the input with the larger scale always gets, as its real multiplier is
 * exactly 1/2): the doubling high product of an even x and 2^30 is x / 2, so (v + offset) << 19, ox = offset << 19;
 * folded (right in [1, 22]): mcunas_rq_folded on 2x = (v << 21) + ox, ox = offset << 21 (|x| < 2^29).
 */
MCUNAS_INLINE int32_t add_input(int32_t v, const int half, int32_t ox, int32_t m, int32_t nudge, int32_t right)
{
    if (half) return ox + (int32_t)((uint32_t)v << 19);
    const int32_t x2 = ox + (int32_t)((uint32_t)v << 21);
    return mcunas_smmlar(x2, m, nudge + (x2 >> 31)) >> right;
}

/*
 * The fast loop over `rows` rows of `channels` values, each requantization exact in fewer instructions (above;
 * the output's in the folded form with the output offset in no = 2^(right-1) + offset x 2^right, its input
 * |x' + y'| <= 255 x 2^20 < 2^30). half1, half2: literals after inlining, one loop per combination.
 */
MCUNAS_INLINE void add_fast(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t rows, int32_t channels, int32_t s1, int32_t s2,
                            const int half1, const int half2, const int32_t q[12])
{
    const int32_t o1x = q[0], m1 = q[1], n1 = q[2], r1 = q[3], o2x = q[4], m2 = q[5], n2 = q[6], r2 = q[7];
    const int32_t mo = q[8], no = q[9], ro = q[10], lo = q[11];
    for (int32_t r = 0; r < rows; r++) {
        const int8_t *a = in1 + r * s1, *b = in2 + r * s2;
        int8_t *o = out + r * channels;
        for (int32_t c = 0; c < channels; c++) {
            const int32_t x = add_input(a[c], half1, o1x, m1, n1, r1);
            const int32_t y = add_input(b[c], half2, o2x, m2, n2, r2);
            int32_t v = mcunas_rq_folded(x + y, mo, no, ro);
#if defined(__ARM_FEATURE_DSP)
            v = __ssat(v, 8);
#else
            v = v > 127 ? 127 : v < -128 ? -128 : v;
#endif
            o[c] = (int8_t)(v < lo ? lo : v);
        }
    }
}

void mcunas_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_add_params *p)
{
    /* Each requantization's constants prepared once (mcunas_rq_apply = mcunas_requantize for positive multipliers). */
    const mcunas_rq r1 = mcunas_rq_make(p->input1_multiplier, p->input1_shift);
    const mcunas_rq r2 = mcunas_rq_make(p->input2_multiplier, p->input2_shift);
    const mcunas_rq ro = mcunas_rq_make(p->output_multiplier, p->output_shift);
    const int32_t o1 = p->input1_offset, o2 = p->input2_offset, ls = p->left_shift;
    const int32_t offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int8_t *const lut = p->lut;
    /* The fast loop: no table, TFLite's left shift, each input half or folded, the output folded, act_max 127. */
    const int h1 = p->input1_multiplier == (1 << 30) && p->input1_shift == 0, h2 = p->input2_multiplier == (1 << 30) && p->input2_shift == 0;
    const int f1 = r1.left == 0 && r1.right >= 1 && r1.right <= 22, f2 = r2.left == 0 && r2.right >= 1 && r2.right <= 22;
    if (!lut && ls == 20 && (h1 || f1) && (h2 || f2) && mcunas_rq_folds(&ro) && hi == 127) {
        const int32_t q[12] = {(int32_t)((uint32_t)o1 << (h1 ? 19 : 21)), r1.multiplier, r1.nudge, r1.right,
                               (int32_t)((uint32_t)o2 << (h2 ? 19 : 21)), r2.multiplier, r2.nudge, r2.right,
                               ro.multiplier, mcunas_rq_nudge_offset(&ro, offset), ro.right, lo};
        const int32_t s1 = in1_pixel_stride, s2 = in2_pixel_stride;
        if (h1 && h2) add_fast(in1, in2, out, pixels, channels, s1, s2, 1, 1, q);
        else if (h1) add_fast(in1, in2, out, pixels, channels, s1, s2, 1, 0, q);
        else if (h2) add_fast(in1, in2, out, pixels, channels, s1, s2, 0, 1, q);
        else add_fast(in1, in2, out, pixels, channels, s1, s2, 0, 0, q);
        return;
    }
    for (int32_t r = 0; r < pixels; r++) {
        const int8_t *a = in1 + r * in1_pixel_stride;
        const int8_t *b = in2 + r * in2_pixel_stride;
        int8_t *o = out + r * channels;
        for (int32_t c = 0; c < channels; c++) {
            /* (x + offset) is within [-255, 255], so shifting by left_shift = 20 cannot overflow. */
            const int32_t x = mcunas_rq_apply((int32_t)((uint32_t)(a[c] + o1) << ls), &r1);
            const int32_t y = mcunas_rq_apply((int32_t)((uint32_t)(b[c] + o2) << ls), &r2);
            o[c] = mcunas_finish(mcunas_rq_apply(x + y, &ro) + offset, lo, hi, lut);
        }
    }
}
