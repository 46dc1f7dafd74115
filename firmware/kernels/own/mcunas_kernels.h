/*
 * mcu-nas int8 kernels: TFLite's int8 arithmetic (per-channel symmetric weights, asymmetric activations,
 * int32 bias, gemmlowp requantization), plain C99. Each kernel computes byte for byte what the TypeScript
 * golden model computes (src/quant/int8-kernels.ts, same names in camelCase); the parameter structs
 * mirror src/quant/quant-graph.ts field for field.
 *
 * Shapes are run-time arguments. Tensors are NHWC with batch 1; weights are OHWI ([Cout][KH][KW][Cin/groups],
 * depthwise [C][KH][KW]). Where the core has the DSP extension (__ARM_FEATURE_DSP: Cortex-M4/M7/M33/M55) the
 * inner products use SMLAD on sign-extended pairs; elsewhere (Cortex-M0+, host builds) plain C. Defining
 * MCUNAS_EMULATE_DSP on a host build runs the DSP paths through C stand-ins of the intrinsics, so tests can
 * check them too. No kernel allocates, keeps static state, or reads beyond its arguments' extents.
 *
 * Aliasing: unless a kernel says otherwise, `out` must not overlap any input.
 */
#ifndef MCUNAS_KERNELS_H
#define MCUNAS_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One NHWC image, batch 1. */
typedef struct {
    int32_t h, w, c;
} mcunas_shape;

/*
 * Convolution and fully connected parameters. Output value, per output channel o:
 *   acc = bias[o] + sum over the window of w * (x + input_offset)   (padding positions contribute nothing)
 *   v   = requantize(acc, multiplier[o], shift[o]) + output_offset, clamped to [act_min, act_max]
 *   out = lut ? lut[v + 128] : v
 * requantize is TFLite's MultiplyByQuantizedMultiplier (requant.h). Bottom/right padding follows from
 * the output shape: output (y, x) reads input rows y*stride_h - pad_top + ky*dilation_h, ky < kernel_h.
 * weight_offset (minus a weight zero point) is read by the fully connected kernel only: there every
 * product is (w + weight_offset) * (x + input_offset); TFLite's int8 convolutions have 0.
 */
typedef struct {
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t input_offset;  /* minus the input zero point, in [-127, 128] */
    int32_t output_offset; /* the output (or pre-activation) zero point */
    int32_t act_min, act_max;
    const int32_t *multiplier; /* per output channel, Q31 */
    const int32_t *shift;      /* per output channel; > 0 shifts left */
    const int8_t *lut;         /* NULL, or 256 entries: a fused hard-sigmoid */
    int32_t dilation_h, dilation_w; /* >= 1 (conv and depthwise; pointwise and fully connected ignore them) */
    int32_t weight_offset;          /* fully connected only (others ignore it) */
    int32_t out_pitch;              /* pointwise only: bytes between output rows, 0 = out_shape.w x out_shape.c
                                       (a patch tile writes its rows into the whole tensor in one call) */
    int32_t weight_layout;          /* fully connected only: MCUNAS_FC_ROWS (0) or MCUNAS_FC_ROWS4 */
} mcunas_conv_params;

/*
 * Fully connected weight layouts. MCUNAS_FC_ROWS: [out][in]. MCUNAS_FC_ROWS4 (the code generator writes it):
 * rows 4g..4g+3 interleaved a word at a time (word k of row 4g + r at byte 16 x (in x g / 4 + k) + 4r, i.e.
 * group g starts at 4g x in), the out % 4 rows left over after them as [row][in]; in % 4 == 0, the weights
 * 4-byte aligned, weight_offset 0, and bias[o] = the layer's bias + input_offset x the sum of row o's weights.
 */
#define MCUNAS_FC_ROWS 0
#define MCUNAS_FC_ROWS4 1

/*
 * Any convolution: `groups` groups, weight [Cout][KH][KW][Cin/groups]. scratch: int16 work space of
 * mcunas_conv_s8_scratch_bytes(kernel_h, kernel_w, in.c) bytes (two im2col columns), 4-byte aligned.
 * Used for the dense first conv (3x3 stride 2) and anything that is neither pointwise nor depthwise.
 */
void mcunas_conv_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                    int8_t *out, mcunas_shape out_shape, int32_t groups, const mcunas_conv_params *p,
                    int16_t *scratch);

/* Bytes of scratch mcunas_conv_s8 needs: 2 columns x (KH*KW*Cin rounded up to 4) x int16. */
int32_t mcunas_conv_s8_scratch_bytes(int32_t kernel_h, int32_t kernel_w, int32_t in_c);

/* 1x1 convolution, groups 1, weight [Cout][Cin]; stride and padding as in p (kernel fields ignored). No scratch. */
void mcunas_pointwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p);

/*
 * Depthwise convolution, channel multiplier 1 (out.c == in.c), weight [C][KH][KW].
 * In place: `out` may equal `in` (the same address; no other overlap). Then `scratch` must hold
 * in.h * in.w bytes, and the kernel follows the planner's contract (src/schedule/inplace.ts): one channel
 * at a time, it copies channel c's input plane to scratch, then writes channel c's outputs, each at an
 * offset congruent to c modulo C, so it only overwrites channel-c inputs already saved. Bytes of the
 * buffer beyond the output's extent are left holding stale input.
 * Not in place (`out` and `in` disjoint): scratch may be NULL and is not touched.
 */
void mcunas_depthwise_s8(const int8_t *in, mcunas_shape in_shape, const int8_t *weight, const int32_t *bias,
                         int8_t *out, mcunas_shape out_shape, const mcunas_conv_params *p, int8_t *scratch);

/* Fully connected: `batches` rows of in_features -> rows of out_features, weight [out][in]. Kernel/stride/pad fields of p are ignored. */
void mcunas_fully_connected_s8(const int8_t *in, int32_t batches, int32_t in_features, const int8_t *weight,
                               const int32_t *bias, int8_t *out, int32_t out_features,
                               const mcunas_conv_params *p);

/*
 * Element-wise layout: `pixels` rows of `channels` values; input k starts row r at r * ink_pixel_stride
 * (channels for a full map, 0 for a per-channel vector broadcast over every row, SE's gate). Same-shape
 * inputs: pixels 1, channels = element count. `out` may equal an input that has the output's shape.
 */

/* TFLite int8 add: both inputs scaled by 2^left_shift and their own multipliers, summed, requantized. */
typedef struct {
    int32_t input1_offset, input2_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
    const int8_t *lut;
} mcunas_add_params;

void mcunas_add_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_add_params *p);

/* TFLite int8 mul: out = output_offset + requantize((a + input1_offset) * (b + input2_offset)), clamped. */
typedef struct {
    int32_t input1_offset, input2_offset;
    int32_t output_multiplier, output_shift;
    int32_t output_offset;
    int32_t act_min, act_max;
    const int8_t *lut;
} mcunas_mul_params;

void mcunas_mul_s8(const int8_t *in1, const int8_t *in2, int8_t *out, int32_t pixels, int32_t channels,
                   int32_t in1_pixel_stride, int32_t in2_pixel_stride, const mcunas_mul_params *p);

/*
 * Pooling; input and output share their quantization (TFLite AVERAGE_POOL_2D / MAX_POOL_2D). The average
 * counts only window elements inside the input and rounds to nearest, halves away from zero.
 */
typedef struct {
    int32_t kernel_h, kernel_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t act_min, act_max;
} mcunas_pool_params;

void mcunas_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                       const mcunas_pool_params *p);
void mcunas_maxpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                       const mcunas_pool_params *p);

/* Average over H x W per channel (an avgpool with the whole image as window); out holds in.c bytes. No scratch. */
void mcunas_global_avgpool_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, int32_t act_min,
                              int32_t act_max);

/*
 * A global average pool with TFLite MEAN's arithmetic (src/quant/quant-graph.ts MeanStep / MeanParams). Each
 * step sums its raw int8 inputs (S over count values) and gives an int8:
 *   MCUNAS_MEAN_NEAREST:  round_half_away(requantize(S + count * input_offset, multiplier, shift) / count) + output_offset
 *                         (TFLite reference_integer_ops::Mean; zero offsets and multiplier 2^30, shift 1 are AVERAGE_POOL_2D)
 *   MCUNAS_MEAN_TRUNCATE: S / count, truncated toward zero (TFLite reference_ops::Mean, equal quantizations)
 *   MCUNAS_MEAN_FLOAT:    roundf((float)S / (float)count * scale + bias) + output_offset in float32, the product
 *                         rounded before the sum (TFLite reference_ops::QuantizedMeanOrSum)
 * saturated to int8. axes: MCUNAS_MEAN_HW divides once (step[0]); MCUNAS_MEAN_W_THEN_H averages each row over W
 * with step[0], then the H row means with step[1]; MCUNAS_MEAN_H_THEN_W the other way round. The result is
 * clamped to [act_min, act_max]; out holds in.c bytes. No scratch.
 */
#define MCUNAS_MEAN_NEAREST 0
#define MCUNAS_MEAN_TRUNCATE 1
#define MCUNAS_MEAN_FLOAT 2
#define MCUNAS_MEAN_HW 0
#define MCUNAS_MEAN_W_THEN_H 1
#define MCUNAS_MEAN_H_THEN_W 2

typedef struct {
    int32_t rounding;
    int32_t input_offset, output_offset;
    int32_t multiplier, shift;
    float scale, bias;
} mcunas_mean_step;

typedef struct {
    int32_t axes;
    mcunas_mean_step step[2];
    int32_t act_min, act_max;
} mcunas_mean_params;

void mcunas_mean_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, const mcunas_mean_params *p);

/* Constant padding: out (out_shape) is `value` everywhere except the input placed at (pad_top, pad_left). */
void mcunas_pad_s8(const int8_t *in, mcunas_shape in_shape, int8_t *out, mcunas_shape out_shape,
                   int32_t pad_top, int32_t pad_left, int8_t value);

/* out[i] = lut[in[i] + 128] (standalone activations as 256-entry tables). `out` may equal `in`. */
void mcunas_lut_s8(const int8_t *in, int8_t *out, int32_t size, const int8_t *lut);

/*
 * Softmax over rows of row_size (<= 16384) values: with d = row max - x and S = sum of exp_table[d],
 * out = min(127, (exp_table[d] * 256 + S / 2) / S - 128), i.e. scale 1/256, zero point -128.
 */
void mcunas_softmax_s8(const int8_t *in, int8_t *out, int32_t rows, int32_t row_size, const int32_t *exp_table);

/* Moving values between two int8 quantizations: out = clamp(output_offset + requantize(x + input_offset)). */
typedef struct {
    int32_t input_offset, output_offset;
    int32_t multiplier, shift;
} mcunas_requant_params;

/*
 * One concat input: `outer` blocks of `inner` bytes, block k written at out + out_offset + k * out_stride.
 * p == NULL copies unchanged (the input already has the output's quantization).
 */
void mcunas_requant_copy_s8(const int8_t *in, int8_t *out, int32_t outer, int32_t inner, int32_t out_stride,
                            int32_t out_offset, const mcunas_requant_params *p);

#ifdef __cplusplus
}
#endif

#endif /* MCUNAS_KERNELS_H */
