// Running a generated C project (src/codegen makes it, as a value): write it, build it with
// arm-none-eabi-gcc, run it in QEMU (and Renode where installed), parse what it prints and measure it.
export * from './toolchain.ts';
export * from './project.ts';
export * from './build.ts';
export * from './link-errors.ts';
export * from './elf.ts';
export * from './firmware-size.ts';
export * from './protocol.ts';
export * from './qemu.ts';
export * from './plugin.ts';
export * from './cycle-table.ts';
export * from './cycle-model.ts';
export * from './cycle-run.ts';
export * from './run-project.ts';
export * from './renode.ts';
export * from './bench-vectors.ts';
