// Text views of a Plan: the per-layer table (in the manner of X-CUBE-AI's `analyze` report) and the
// why-it-does-not-fit sentence. Pure functions of the plan; the CLI only prints them.
import type { Plan } from './plan.ts';

const num = (n: number) => Math.round(n).toLocaleString('en-US');
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const shape = (s: readonly number[]) => s.join('x');

function table(rows: string[][], rightAligned: readonly boolean[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function formatPlanTable(p: Plan): string[] {
  const head = ['#', 'layer', 'op', 'in shape', 'out shape', 'tile', 'MACs', 'offset', 'live', 'scratch', 'weights', 'flash'];
  const right = [true, false, false, false, false, false, true, true, true, true, true, true];
  const rows = p.layers.map((l, i) => [
    String(i),
    l.name + (l.name === p.peakLayer ? ' <- peak' : ''),
    l.kind + (l.inPlace ? ' (in place)' : ''),
    shape(l.inShape),
    shape(l.outShape),
    l.tile ? shape(l.tile) : '',
    num(l.macs),
    num(l.arenaOffset),
    num(l.liveBytes),
    l.scratchBytes ? num(l.scratchBytes) : '',
    l.weightBytes ? num(l.weightBytes) : '',
    l.flashBytes ? num(l.flashBytes) : '',
  ]);
  const out = table([head, ...rows], right);
  const s = p.sram;
  const f = p.flash;
  out.push(
    '',
    `model ${p.model} on ${p.board} (kernels: ${p.kernels})`,
    `MACs ${num(p.macs)} (conv/linear products)   params ${num(p.params)} (the lab's count_parameters)`,
    `SRAM  arena ${num(s.arena)} B (lower bound ${num(s.lowerBound)} B, ${s.strategy}; incl. scratch up to ${num(s.scratch)} B and I/O ${num(s.io)} B)` +
      ` + stack ${num(s.stack)} B + runtime ${num(s.runtime)} B = ${num(s.total)} B (${kb(s.total)}) of ${num(s.capacity)} B`,
    `      ${s.layout.description}`,
    `flash weights ${num(f.weights)} + bias ${num(f.bias)} + quant params ${num(f.quantParams)} + code ${num(f.code)}${f.codeIsEstimate ? ' (estimate)' : ''}` +
      (f.patchTables ? ` + patch tables ${num(f.patchTables)}` : '') +
      ` = ${num(f.total)} B (${kb(f.total)}) of ${num(p.flashCapacity)} B`,
  );
  if (p.patch)
    out.push(
      `patch ${p.patch.n}x${p.patch.n} patches up to ${p.patch.splitLayer} (${shape(p.patch.splitShape)}): ${p.patch.stageLayers.length} layers per patch,` +
        ` +${num(p.patch.extraMacs)} MACs (${p.patch.extraMacsPercent.toFixed(1)}%) recomputed in halos; layer by layer the arena would be ${num(p.patch.layerByLayerArena)} B`,
    );
  else out.push('patch none (layer by layer)');
  for (const n of p.notes) if (n !== s.layout.description) out.push(`note  ${n}`);
  out.push(`fits  ${p.fits ? 'yes' : 'NO'}`);
  return out;
}

/** Why a plan does not fit, with figures: by how much, which layer peaks. Empty when it fits. */
export function misfitReasons(p: Plan): string[] {
  const reasons: string[] = [];
  if (!p.fitsSram) {
    const peak = p.layers.find((l) => l.name === p.peakLayer);
    const over = p.sram.total - p.sram.capacity;
    reasons.push(
      `SRAM: needs ${num(p.sram.total)} B (arena ${num(p.sram.arena)} B + stack and runtime ${num(p.sram.stack + p.sram.runtime)} B), ` +
        `${p.board} offers ${num(p.sram.capacity)} B` +
        (over > 0 ? `: ${num(over)} B over` : ` but not in one piece (${p.sram.layout.description})`) +
        `; the peak is at ${p.peakLayer}${peak ? ` (${num(peak.liveBytes)} B live)` : ''}`,
    );
  }
  if (!p.fitsFlash)
    reasons.push(`flash: needs ${num(p.flash.total)} B (weights ${num(p.flash.weights)} B), ${p.board} has ${num(p.flashCapacity)} B: ${num(p.flash.total - p.flashCapacity)} B over`);
  return reasons;
}
