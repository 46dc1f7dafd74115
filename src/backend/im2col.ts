/** im2col of arm_convolve_s8 without MVE (and of the own dense conv): two columns of KH*KW*Cin int16, the column length rounded up to 4. */
export function im2colBytes(kh: number, kw: number, cin: number): number {
  const cols = kh * kw * cin;
  return 2 * (Math.ceil(cols / 4) * 4) * 2;
}
