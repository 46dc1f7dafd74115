// The bench scripts' command line: `--name value` pairs read straight from process.argv (the scripts are
// run by hand with a few optional settings; they are not user-facing commands with a flag table).

/** The value after `name` on the command line, or undefined when the flag is absent. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
