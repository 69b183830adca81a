// `kexec-contract <command> ...`: dispatches to one module per subcommand, imported only when used
// (so `run` never loads the site code and `cite` never loads the executor).

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: Command }> }> = {
  run: { summary: 'assemble a .S file and run it in the baseline world', load: () => import('./run.ts') },
  test: { summary: 'run every example of the spec and report verdicts', load: () => import('./test.ts') },
  lint: {
    summary: 'check clause IDs against the lock and the spec structure',
    load: () => import('./lint.ts'),
  },
  check: {
    summary: "run a relocation object (.o or .S) against its stage's clauses",
    load: () => import('./check.ts'),
  },
  cite: {
    summary: 'print a clause for quoting; --check finds stale clause IDs in a patch or mail',
    load: () => import('./cite.ts'),
  },
};

export const USAGE = `usage: kexec-contract <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(6)} ${c.summary}`)
  .join('\n')}

Run \`kexec-contract <command> --help\` for a command's options, \`kexec-contract --version\` for the version.`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (first === '--help' || first === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (first === '--version' || first === '-V') {
    const { packageVersion } = await import('./paths.ts');
    console.log(`kexec-contract ${packageVersion()}`);
    return 0;
  }
  if (first === 'help') return rest[0] && COMMANDS[rest[0]] ? main([rest[0], '--help']) : main(['--help']);
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) {
    const what = first.startsWith('-') ? 'option' : 'command';
    console.error(`kexec-contract: unknown ${what} ${JSON.stringify(first)} (see kexec-contract --help)`);
    return 2;
  }
  let mod: { default: Command };
  try {
    mod = await command.load();
  } catch (err) {
    console.error(`kexec-contract ${first}: this command failed to load: ${(err as Error).message}`);
    return 2;
  }
  return mod.default(rest);
}
