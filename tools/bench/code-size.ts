// Measures what the flash estimate (src/schedule/flash.ts) needs to know about code, with the installed
// arm-none-eabi-gcc, and writes src/schedule/code-size.json:
//   kernels[<cpu flags>][<function>] = { bytes, calls }: every function and constant table of
//     firmware/kernels/own/*.c compiled as a generated project compiles them (-O3, -ffunction-sections), and
//     the functions and tables each one references (so a plan counts shared helpers such as gemm once);
//   runtime[<board>] = flash of the board link around a one-op stub model (vectors, start-up, console,
//     counter, stack check, fault report, main, the libc it pulls in), the stub's own code subtracted.
// Re-run after changing the kernels, the runtime or main.c:  npx tsx tools/bench/code-size.ts --write
// (without --write it measures and says how far the stored table is from the measurement).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { listBoards, loadBoard } from '../../src/board/index.ts';
import { buildRecipe, FIRMWARE_DIR, firmwareProject } from '../../src/codegen/index.ts';
import { OWN_KERNELS_DIR } from '../../src/codegen/kernels.ts';
import { buildFirmware, findArmToolchain, parseElf, writeProject } from '../../src/emu/index.ts';
import { CODE_SIZE_FILE, codeSizeSources, type CodeSizeTable } from '../../src/schedule/flash.ts';

const tools = findArmToolchain();
const nm = tools.gcc.replace(/gcc$/, 'nm');
const objdump = tools.gcc.replace(/gcc$/, 'objdump');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcunas-code-size-'));

type Functions = CodeSizeTable['kernels'][string];

/** libgcc's members (the helpers a core without a divider or an FPU calls) as entries "libgcc:<member>". */
async function libgccMembers(cpuFlags: string[]): Promise<{ entries: Functions; memberOf: Map<string, string> }> {
  const lib = (await execa(tools.gcc, [...cpuFlags, '-print-libgcc-file-name'])).stdout.trim();
  const members = new Map<string, { bytes: number; defines: string[]; uses: string[] }>();
  for (const line of (await execa(nm, ['-S', '-A', lib], { reject: false })).stdout.split('\n')) {
    const m = /^[^:]+:([^:]+):\s*([0-9a-f]+)?\s*([0-9a-f]+)?\s+([A-Za-z])\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const [, member, , size, type, name] = m;
    const e = members.get(member) ?? { bytes: 0, defines: [], uses: [] };
    members.set(member, e);
    if (type === 'U') e.uses.push(name);
    else if (/[TtRr]/.test(type)) {
      e.defines.push(name);
      if (size) e.bytes += Number.parseInt(size, 16);
    }
  }
  const memberOf = new Map<string, string>();
  for (const [member, e] of members) for (const d of e.defines) if (!memberOf.has(d)) memberOf.set(d, `libgcc:${member}`);
  const entries: Functions = {};
  for (const [member, e] of members)
    entries[`libgcc:${member}`] = { bytes: e.bytes, calls: [...new Set(e.uses.map((u) => memberOf.get(u)).filter((x): x is string => x !== undefined))].sort() };
  return { entries, memberOf };
}

async function kernelFunctions(cpuFlags: string[], cflags: string[]): Promise<Functions> {
  const out: Functions = {};
  const libgcc = await libgccMembers(cpuFlags);
  for (const f of fs.readdirSync(OWN_KERNELS_DIR).filter((x) => x.endsWith('.c')).sort()) {
    const obj = path.join(tmp, `${f}.o`);
    await execa(tools.gcc, [...cpuFlags, ...cflags, '-DMCUNAS_FIRMWARE=1', `-I${OWN_KERNELS_DIR}`, `-I${FIRMWARE_DIR}`, '-c', path.join(OWN_KERNELS_DIR, f), '-o', obj]);
    const symbols = (await execa(nm, ['-S', obj])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((w) => w.length === 4 && /^[tTrR]$/.test(w[2]))
      .map((w) => ({ name: w[3], bytes: Number.parseInt(w[1], 16) }));
    // Relocations per section: -ffunction-sections/-fdata-sections give each symbol its own section.
    const relocs = (await execa(objdump, ['-r', obj])).stdout;
    const bySection = new Map<string, Set<string>>();
    let current = '';
    for (const line of relocs.split('\n')) {
      const m = /^RELOCATION RECORDS FOR \[\.(?:rel\.)?(?:text|rodata)\.([^\]]+)\]/.exec(line);
      if (m) {
        current = m[1];
        bySection.set(current, new Set());
        continue;
      }
      const r = /^[0-9a-f]+\s+\S+\s+(\S+)/.exec(line);
      if (r && current) bySection.get(current)!.add(r[1].replace(/^\.(text|rodata)\./, ''));
    }
    const known = new Set(symbols.map((s) => s.name));
    const resolve = (c: string) => (known.has(c) ? c : libgcc.memberOf.get(c));
    for (const s of symbols)
      out[s.name] = {
        bytes: s.bytes,
        calls: [...new Set([...(bySection.get(s.name) ?? [])].map(resolve).filter((c): c is string => c !== undefined && c !== s.name))].sort(),
      };
  }
  // Only the libgcc members some kernel reaches (directly or through another member).
  const reach = (name: string) => {
    if (out[name] || !libgcc.entries[name]) return;
    out[name] = libgcc.entries[name];
    for (const c of libgcc.entries[name].calls) reach(c);
  };
  for (const f of Object.values(out)) for (const c of f.calls) reach(c);
  return out;
}

const STUB_H = '#ifndef STUB_H\n#define STUB_H\n#include "mcunas_model.h"\n#define MCUNAS_MODEL_INPUT_BYTES 4\n#define MCUNAS_MODEL_OUTPUT_BYTES 4\n#define MCUNAS_MODEL_OP_COUNT 1\n#endif\n';
const STUB_C =
  '#include "model.h"\nstatic int8_t stub_arena[8];\nint8_t *mcunas_model_input(void) { return stub_arena; }\n' +
  'const int8_t *mcunas_model_output(void) { return stub_arena + 4; }\n' +
  'int mcunas_model_run(void) { MCUNAS_OP_BEGIN(0); stub_arena[4] = stub_arena[0]; MCUNAS_OP_END(0); return 0; }\n';

/** The runtime's flash, and which libgcc members of `fns` it already holds (a plan must not count them twice). */
async function runtimeBytes(boardName: string, fns: Functions): Promise<{ bytes: number; has: string[] }> {
  const board = loadBoard(boardName);
  const dir = path.join(tmp, `stub-${boardName}`);
  const project = writeProject(dir, firmwareProject({ board, modelName: 'stub', sources: ['model.c'], testSets: [{ input: new Int8Array(4) }] }));
  fs.writeFileSync(path.join(dir, 'model.h'), STUB_H);
  fs.writeFileSync(path.join(dir, 'model.c'), STUB_C);
  const fw = await buildFirmware(project, { boardOnly: true });
  const symbols = parseElf(fs.readFileSync(fw.elf)).symbols;
  const stub = symbols.filter((s) => /^mcunas_model_(run|input|output)$/.test(s.name)).reduce((n, s) => n + s.size, 0);
  const names = new Set(symbols.map((s) => s.name));
  const libgcc = (await execa(nm, ['-S', '-A', (await execa(tools.gcc, [...loadBoard(boardName).gccFlags, '-print-libgcc-file-name'])).stdout.trim()], { reject: false })).stdout;
  const has = Object.keys(fns).filter(
    (k) => k.startsWith('libgcc:') && libgcc.split('\n').some((l) => l.includes(`:${k.slice(7)}:`) && / [Tt] (\S+)$/.test(l) && names.has(/ [Tt] (\S+)$/.exec(l)![1])),
  );
  return { bytes: fw.size.board.flashBytes - stub, has };
}

try {
  const table: CodeSizeTable = { toolchain: (await execa(tools.gcc, ['-dumpversion'])).stdout.trim(), sources: codeSizeSources(), kernels: {}, boardFlags: {}, runtime: {}, runtimeHas: {} };
  for (const board of listBoards()) {
    const name = board.name;
    const recipe = buildRecipe(board, { sources: [], includeDirs: [], optimize: 'O3', hasQemuLink: false });
    const key = recipe.cpuFlags.join(' ');
    table.boardFlags[name] = key;
    if (!table.kernels[key]) table.kernels[key] = await kernelFunctions(recipe.cpuFlags, recipe.cflags.filter((f) => f !== '-g'));
    const rt = await runtimeBytes(name, table.kernels[key]);
    table.runtime[name] = rt.bytes;
    table.runtimeHas[name] = rt.has;
    console.error(`${name}: runtime ${table.runtime[name]} B; ${key}`);
  }
  if (process.argv.includes('--write')) {
    fs.writeFileSync(CODE_SIZE_FILE, `${JSON.stringify(table, null, 1)}\n`);
    console.error(`wrote ${CODE_SIZE_FILE}`);
  } else {
    const stored = fs.existsSync(CODE_SIZE_FILE) ? (JSON.parse(fs.readFileSync(CODE_SIZE_FILE, 'utf8')) as CodeSizeTable) : null;
    const same = stored !== null && JSON.stringify(stored) === JSON.stringify(table);
    console.log(same ? `${CODE_SIZE_FILE} is current` : `${CODE_SIZE_FILE} differs from this measurement: re-run with --write`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
