// `kexec-contract test [paths] [--format text|json|junit] [--engine NAME] [--no-cache]`
// Runs the spec suite outside vitest: every example of every spec file under the paths (default spec/)
// against every clause of its stage. Exit 1 on any failure or error-level message. Under GitHub Actions
// it also prints `::error file=...,line=...::` annotations pointing into the Markdown.

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkSpec } from '../harness/check.ts';
import { formatJson, formatJunit, formatText, githubAnnotations, summarize } from '../harness/report.ts';
import { EngineUnavailableError, ENGINE_NAMES, isEngineName } from '../runner/engines.ts';

const USAGE = `usage: kexec-contract test [paths...] [--format text|json|junit] [--engine ${ENGINE_NAMES.join('|')}]
                           [--output FILE] [--no-cache]

Runs every example of the spec files under the paths (default: spec/) against the clauses of its stage.
  --format   text (default), json (documents, verdicts, messages) or junit (JUnit XML for CI)
  --engine   the engine that runs the examples (default interp)
  --output   write the report to FILE instead of stdout
  --no-cache do not read or write .cache/kexec-contract (in-memory caching still applies)
Exit status: 0 all passed, 1 a failure or error, 2 bad usage.`;

export default async function test(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'text' },
        engine: { type: 'string', default: 'interp' },
        output: { type: 'string', short: 'o' },
        'no-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = args.values;
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const format = o.format!;
  if (!['text', 'json', 'junit'].includes(format)) {
    console.error(`unknown --format ${JSON.stringify(format)}\n${USAGE}`);
    return 2;
  }
  const engine = o.engine!;
  if (!isEngineName(engine)) {
    console.error(`unknown --engine ${JSON.stringify(engine)} (known: ${ENGINE_NAMES.join(', ')})`);
    return 2;
  }
  const paths = args.positionals.length ? args.positionals : ['spec'];
  let result;
  try {
    result = await checkSpec(paths, { engine, cache: !o['no-cache'] });
  } catch (e) {
    if (e instanceof EngineUnavailableError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const { documents, messages } = result;
  const report =
    format === 'json'
      ? formatJson(documents, messages)
      : format === 'junit'
        ? formatJunit(documents, messages)
        : formatText(documents, messages);
  if (o.output) await writeFile(o.output, report.endsWith('\n') ? report : report + '\n');
  else process.stdout.write(report.endsWith('\n') ? report : report + '\n');
  if (process.env.GITHUB_ACTIONS === 'true') {
    for (const line of githubAnnotations(documents, messages)) console.log(line);
  }
  const s = summarize(documents, messages);
  if (o.output || format !== 'text') console.error(`${s.passed} passed, ${s.failed + s.errors} failed`);
  return s.failed + s.errors > 0 ? 1 : 0;
}

export { test };
