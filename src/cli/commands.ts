// The list of commands, one module each (yargs CommandModule).
import type { CommandModule } from 'yargs';
import { profileCommand } from './profile.ts';
import { searchCommand } from './search.ts';
import { boardsCommand } from './boards.ts';
import { compileCommand } from './compile.ts';
import { runCommand } from './run.ts';
import { validateCommand } from './validate.ts';
import { demoCommand } from './demo.ts';
import { exportCommand } from './export.ts';
import { predictorCommand } from './predictor.ts';
import { evaluateCommand } from './evaluate.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [profileCommand, searchCommand, boardsCommand, compileCommand, runCommand, validateCommand, demoCommand, exportCommand, predictorCommand, evaluateCommand];
