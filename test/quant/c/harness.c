/*
 * Test harness for firmware/kernels/own: reads cases (kernel id, integer arguments, arrays) from a binary
 * file, runs each kernel and writes its output bytes. Every array gets its own exact-size allocation, so
 * AddressSanitizer reports any read or write past an extent. Format (little-endian int32 words):
 *   in:  "MCQ1", count, then per case: op, n_ints, ints..., n_arrays, per array: elem_bytes (1|4), length,
 *        data padded to 4 bytes
 *   out: per case: length, bytes padded to 4
 * The TypeScript side (kernel-cases.ts) writes the cases and compares the outputs with the golden model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcunas_kernels.h"

#define MAX_INTS 256
#define MAX_ARRAYS 32

typedef struct {
    int32_t op;
    int32_t n_ints;
    int32_t ints[MAX_INTS];
    int32_t n_arrays;
    void *arrays[MAX_ARRAYS];
    int32_t lengths[MAX_ARRAYS];
} test_case;

static FILE *in_file;
static FILE *out_file;

static void fail(const char *msg)
{
    fprintf(stderr, "harness: %s\n", msg);
    exit(2);
}

static int32_t read_i32(void)
{
    int32_t v;
    if (fread(&v, 4, 1, in_file) != 1) fail("truncated input");
    return v;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (!p) fail("out of memory");
    return p;
}

static void read_case(test_case *t)
{
    t->op = read_i32();
    t->n_ints = read_i32();
    if (t->n_ints < 0 || t->n_ints > MAX_INTS) fail("bad int count");
    for (int32_t i = 0; i < t->n_ints; i++) t->ints[i] = read_i32();
    t->n_arrays = read_i32();
    if (t->n_arrays < 0 || t->n_arrays > MAX_ARRAYS) fail("bad array count");
    for (int32_t a = 0; a < t->n_arrays; a++) {
        const int32_t elem = read_i32(), len = read_i32();
        if ((elem != 1 && elem != 4) || len < 0) fail("bad array header");
        const size_t bytes = (size_t)elem * (size_t)len;
        t->arrays[a] = xmalloc(bytes);
        t->lengths[a] = len;
        if (bytes > 0 && fread(t->arrays[a], 1, bytes, in_file) != bytes) fail("truncated array");
        const size_t pad = (4 - bytes % 4) % 4;
        char skip[4];
        if (pad > 0 && fread(skip, 1, pad, in_file) != pad) fail("truncated padding");
    }
}

static void write_output(const int8_t *data, int32_t len)
{
    static const char zeros[4] = {0, 0, 0, 0};
    fwrite(&len, 4, 1, out_file);
    fwrite(data, 1, (size_t)len, out_file);
    fwrite(zeros, 1, (size_t)((4 - len % 4) % 4), out_file);
}

static mcunas_shape shape_at(const int32_t *v) { mcunas_shape s = {v[0], v[1], v[2]}; return s; }

/* ints: [0..5] in/out shape, [6] groups, [7..12] kernel/stride/pad, [13..16] offsets and clamp, [17] has lut,
   [18] mode (depthwise: 1 = in place; pointwise: > 0 = an output pitch that many bytes past the row), [19] scratch bytes, [20..21] dilation h, w; arrays: input, weight, bias,
   multiplier, shift, lut? */
static void run_conv(const test_case *t)
{
    const int32_t *v = t->ints;
    const mcunas_shape is = shape_at(v), os = shape_at(v + 3);
    const mcunas_conv_params p = {v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16],
                                  (const int32_t *)t->arrays[3], (const int32_t *)t->arrays[4],
                                  v[17] ? (const int8_t *)t->arrays[5] : NULL, v[20], v[21], 0, 0, 0};
    const int32_t in_n = is.h * is.w * is.c, out_n = os.h * os.w * os.c;
    const int8_t *x = (const int8_t *)t->arrays[0];
    const int8_t *w = (const int8_t *)t->arrays[1];
    const int32_t *b = (const int32_t *)t->arrays[2];
    if (t->op == 1) {
        int16_t *scratch = (int16_t *)xmalloc((size_t)v[19]);
        if (v[19] < mcunas_conv_s8_scratch_bytes(p.kernel_h, p.kernel_w, is.c)) fail("conv scratch smaller than the kernel needs");
        int8_t *out = (int8_t *)xmalloc((size_t)out_n);
        mcunas_conv_s8(x, is, w, b, out, os, v[6], &p, scratch);
        write_output(out, out_n);
        free(out);
        free(scratch);
    } else if (t->op == 2 && v[18] > 0) {
        /* Pointwise with an output pitch: rows v[18] bytes apart beyond their own; the gaps must stay untouched. */
        const int32_t row = os.w * os.c, pitch = row + v[18], total = (os.h - 1) * pitch + row;
        mcunas_conv_params q = p;
        q.out_pitch = pitch;
        int8_t *buf = (int8_t *)xmalloc((size_t)total);
        memset(buf, 0x5a, (size_t)total);
        mcunas_pointwise_s8(x, is, w, b, buf, os, &q);
        int8_t *out = (int8_t *)xmalloc((size_t)out_n);
        for (int32_t y = 0; y < os.h; y++) {
            memcpy(out + y * row, buf + y * pitch, (size_t)row);
            for (int32_t i = row; i < pitch && y + 1 < os.h; i++)
                if (buf[y * pitch + i] != 0x5a) fail("pointwise wrote between output rows");
        }
        write_output(out, out_n);
        free(out);
        free(buf);
    } else if (t->op == 2) {
        int8_t *out = (int8_t *)xmalloc((size_t)out_n);
        mcunas_pointwise_s8(x, is, w, b, out, os, &p);
        write_output(out, out_n);
        free(out);
    } else if (v[18] == 1) {
        /* In place: one buffer holds the input and receives the output. */
        int8_t *buf = (int8_t *)xmalloc((size_t)(in_n > out_n ? in_n : out_n));
        memcpy(buf, x, (size_t)in_n);
        int8_t *scratch = (int8_t *)xmalloc((size_t)v[19]);
        mcunas_depthwise_s8(buf, is, w, b, buf, os, &p, scratch);
        write_output(buf, out_n);
        free(scratch);
        free(buf);
    } else {
        int8_t *out = (int8_t *)xmalloc((size_t)out_n);
        mcunas_depthwise_s8(x, is, w, b, out, os, &p, NULL);
        write_output(out, out_n);
        free(out);
    }
}

/* ints: batches, in, out, in_off, out_off, act_min, act_max, has_lut, weight_off, weight_layout; arrays: input, weight, bias, mult, shift, lut? */
static void run_fc(const test_case *t)
{
    const int32_t *v = t->ints;
    /* Kernel fields deliberately nonsense: the kernel must ignore them. */
    const mcunas_conv_params p = {9, 9, 3, 3, 5, 5, v[3], v[4], v[5], v[6], (const int32_t *)t->arrays[3],
                                  (const int32_t *)t->arrays[4], v[7] ? (const int8_t *)t->arrays[5] : NULL, 7, 7, v[8], 0, v[9]};
    int8_t *out = (int8_t *)xmalloc((size_t)(v[0] * v[2]));
    mcunas_fully_connected_s8((const int8_t *)t->arrays[0], v[0], v[1], (const int8_t *)t->arrays[1],
                              (const int32_t *)t->arrays[2], out, v[2], &p);
    write_output(out, v[0] * v[2]);
    free(out);
}

/* Element-wise: ints [0..3] pixels, channels, strides; [4] alias (0 none, 1 out = in1, 2 out = in2); the rest per op. */
static void run_elementwise(const test_case *t)
{
    const int32_t *v = t->ints;
    const int32_t n = v[0] * v[1];
    int8_t *in1 = (int8_t *)t->arrays[0], *in2 = (int8_t *)t->arrays[1];
    int8_t *out = v[4] == 1 ? in1 : v[4] == 2 ? in2 : (int8_t *)xmalloc((size_t)n);
    if (t->op == 5) {
        const mcunas_add_params p = {v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16],
                                     v[17] ? (const int8_t *)t->arrays[2] : NULL};
        mcunas_add_s8(in1, in2, out, v[0], v[1], v[2], v[3], &p);
    } else {
        const mcunas_mul_params p = {v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12] ? (const int8_t *)t->arrays[2] : NULL};
        mcunas_mul_s8(in1, in2, out, v[0], v[1], v[2], v[3], &p);
    }
    write_output(out, n);
    if (v[4] == 0) free(out);
}

static void run_misc(const test_case *t)
{
    const int32_t *v = t->ints;
    const int8_t *x = (const int8_t *)t->arrays[0];
    switch (t->op) {
    case 7:
    case 8: { /* in shape, out shape, kernel/stride/pad, act_min, act_max */
        const mcunas_shape is = shape_at(v), os = shape_at(v + 3);
        const mcunas_pool_params p = {v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
        const int32_t n = os.h * os.w * os.c;
        int8_t *out = (int8_t *)xmalloc((size_t)n);
        if (t->op == 7) mcunas_avgpool_s8(x, is, out, os, &p);
        else mcunas_maxpool_s8(x, is, out, os, &p);
        write_output(out, n);
        free(out);
        break;
    }
    case 9: { /* shape, act_min, act_max */
        int8_t *out = (int8_t *)xmalloc((size_t)v[2]);
        mcunas_global_avgpool_s8(x, shape_at(v), out, v[3], v[4]);
        write_output(out, v[2]);
        free(out);
        break;
    }
    case 14: { /* shape, axes, act_min, act_max, then 2 steps of 7: rounding, in_off, out_off, mult, shift, scale bits, bias bits */
        mcunas_mean_params p;
        p.axes = v[3];
        p.act_min = v[4];
        p.act_max = v[5];
        for (int32_t k = 0; k < 2; k++) {
            const int32_t *q = v + 6 + 7 * k;
            p.step[k].rounding = q[0];
            p.step[k].input_offset = q[1];
            p.step[k].output_offset = q[2];
            p.step[k].multiplier = q[3];
            p.step[k].shift = q[4];
            memcpy(&p.step[k].scale, &q[5], 4);
            memcpy(&p.step[k].bias, &q[6], 4);
        }
        int8_t *out = (int8_t *)xmalloc((size_t)v[2]);
        mcunas_mean_s8(x, shape_at(v), out, &p);
        write_output(out, v[2]);
        free(out);
        break;
    }
    case 10: { /* in shape, out shape, pad_top, pad_left, value */
        const mcunas_shape is = shape_at(v), os = shape_at(v + 3);
        const int32_t n = os.h * os.w * os.c;
        int8_t *out = (int8_t *)xmalloc((size_t)n);
        mcunas_pad_s8(x, is, out, os, v[6], v[7], (int8_t)v[8]);
        write_output(out, n);
        free(out);
        break;
    }
    case 11: { /* size, in place; arrays: input, lut */
        int8_t *buf = (int8_t *)t->arrays[0];
        int8_t *out = v[1] ? buf : (int8_t *)xmalloc((size_t)v[0]);
        mcunas_lut_s8(buf, out, v[0], (const int8_t *)t->arrays[1]);
        write_output(out, v[0]);
        if (!v[1]) free(out);
        break;
    }
    case 12: { /* rows, row_size; arrays: input, table */
        const int32_t n = v[0] * v[1];
        int8_t *out = (int8_t *)xmalloc((size_t)n);
        mcunas_softmax_s8(x, out, v[0], v[1], (const int32_t *)t->arrays[1]);
        write_output(out, n);
        free(out);
        break;
    }
    case 13: { /* out size, parts, then per part 9 ints: outer, inner, stride, offset, has_requant, in_off, out_off, mult, shift */
        int8_t *out = (int8_t *)xmalloc((size_t)v[0]);
        for (int32_t k = 0; k < v[1]; k++) {
            const int32_t *q = v + 2 + 9 * k;
            const mcunas_requant_params r = {q[5], q[6], q[7], q[8]};
            mcunas_requant_copy_s8((const int8_t *)t->arrays[k], out, q[0], q[1], q[2], q[3], q[4] ? &r : NULL);
        }
        write_output(out, v[0]);
        free(out);
        break;
    }
    default:
        fail("unknown op");
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) fail("usage: harness CASES OUT");
    in_file = fopen(argv[1], "rb");
    out_file = fopen(argv[2], "wb");
    if (!in_file || !out_file) fail("cannot open files");
    if (read_i32() != 0x3151434d) fail("bad magic");
    const int32_t count = read_i32();
    test_case *t = (test_case *)xmalloc(sizeof(test_case));
    for (int32_t k = 0; k < count; k++) {
        read_case(t);
        if (t->op >= 1 && t->op <= 3) run_conv(t);
        else if (t->op == 4) run_fc(t);
        else if (t->op == 5 || t->op == 6) run_elementwise(t);
        else run_misc(t);
        for (int32_t a = 0; a < t->n_arrays; a++) free(t->arrays[a]);
    }
    free(t);
    fclose(in_file);
    return fclose(out_file) == 0 ? 0 : 2;
}
