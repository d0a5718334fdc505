// The commander program: registers every command. Commands live one per file in src/commands.
import { Command } from 'commander';
import { commands } from './commands/index.js';

const program = new Command('musicflow')
  .description('Turn a music service\'s listening logs into live insight and targeted offers')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride((err) => {
    // commander already printed its message; usage errors exit 2, --help/--version exit 0.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

for (const register of commands) register(program);

await program.parseAsync(process.argv);
