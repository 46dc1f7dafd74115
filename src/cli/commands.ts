// The list of commands, one module each (yargs CommandModule).
import type { CommandModule } from 'yargs';
import { profileCommand } from './profile.ts';
import { boardsCommand } from './boards.ts';
import { compileCommand } from './compile.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [profileCommand, boardsCommand, compileCommand];
