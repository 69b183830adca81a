// `kexec-contract test [paths] [--format text|json|junit] [--engine NAME] [--no-cache]`
// Runs the spec suite outside vitest: every example of every spec file under the paths (default spec/)
// against every clause of its stage. Exit 1 on any failure or error-level message, and when there was
// nothing to test (an empty file or directory must not look green in CI). Under GitHub Actions it also
// prints `::error file=...,line=...::` annotations pointing into the Markdown.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE_DIR } from '../harness/cache.ts';
import { checkSpec } from '../harness/check.ts';
import {
  formatJson,
  formatJunit,
  formatText,
  githubAnnotations,
  summarize,
  summaryLine,
} from '../harness/report.ts';
import { EngineUnavailableError, ENGINE_NAMES, isEngineName } from '../runner/engines.ts';
import { badSpecPath, defaultSpecDir, packageVersion, projectRootOf } from './paths.ts';
import { FORCED_PROGRESS, progressReporter } from './progress.ts';

const USAGE = `usage: kexec-contract test [paths...] [--format text|json|junit] [--engine ${ENGINE_NAMES.join('|')}]
                           [--output FILE] [--no-cache] [--progress | --no-progress]

Runs every example of the spec files under the paths (default: ./spec, else the spec this package
ships) against the clauses of its stage.
  --format   text (default), json (documents, verdicts, messages) or junit (JUnit XML for CI)
  --engine   the engine that runs the examples (default interp)
  --output   write the report to FILE instead of stdout
  --no-cache do not read or write .cache/kexec-contract (in-memory caching still applies)
  --progress show where long runs are on stderr (default: on a terminal, and for runs over 10 s)
Exit status: 0 all passed, 1 a failure, an error or nothing to test, 2 bad usage.`;

/** Exit 2 with one line; `help` adds where the options are explained. */
const usageError = (message: string, help = true): number => {
  console.error(`kexec-contract test: ${message}${help ? ' (see kexec-contract test --help)' : ''}`);
  return 2;
};

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
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const o = args.values;
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const format = o.format!;
  if (!['text', 'json', 'junit'].includes(format))
    return usageError(`unknown --format ${JSON.stringify(format)} (known: text, json, junit)`);
  const engine = o.engine!;
  if (!isEngineName(engine))
    return usageError(`unknown --engine ${JSON.stringify(engine)} (known: ${ENGINE_NAMES.join(', ')})`);
  const paths = args.positionals.length ? args.positionals : [defaultSpecDir()];
  for (const p of paths) {
    const bad = badSpecPath(p);
    if (bad) return usageError(bad, false);
  }

  const progress =
    o['no-progress'] === true
      ? undefined
      : progressReporter(process.stderr, {
          isTTY: process.stderr.isTTY === true,
          ...(o.progress ? FORCED_PROGRESS : {}),
        });
  let result;
  try {
    result = await checkSpec(paths, {
      engine,
      cache: !o['no-cache'],
      // The project's cache, not one in whatever directory the command runs from.
      cacheDir: path.join(projectRootOf(paths[0]!), CACHE_DIR),
      ...(progress && {
        onProgress: (p) =>
          progress.update({
            what: `${p.example.place.file}:${p.example.place.line} ${p.example.kind} "${p.example.name}"`,
            part: [p.seeds > 1 ? `seed ${p.index}/${p.seeds}` : '', p.replay ? 'recording the trace' : '']
              .filter(Boolean)
              .join(', '),
            steps: p.steps,
            ...(p.maxSteps !== undefined ? { maxSteps: p.maxSteps } : {}),
          }),
      }),
    });
  } catch (e) {
    if (e instanceof EngineUnavailableError) {
      console.error(`kexec-contract test: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    progress?.done();
  }
  const { documents, messages } = result;
  const report =
    format === 'json'
      ? formatJson(documents, messages, packageVersion())
      : format === 'junit'
        ? formatJunit(documents, messages)
        : formatText(documents, messages);
  if (o.output) await writeFile(o.output, report.endsWith('\n') ? report : report + '\n');
  else process.stdout.write(report.endsWith('\n') ? report : report + '\n');
  if (process.env.GITHUB_ACTIONS === 'true') {
    for (const line of githubAnnotations(documents, messages)) console.log(line);
  }
  const s = summarize(documents, messages);
  if (o.output || format !== 'text') console.error(summaryLine(s));
  if (s.passed + s.failed + s.notComparable === 0) {
    const where = paths.join(', ');
    console.error(
      documents.length === 0
        ? `kexec-contract test: nothing to test: no spec files (.md, .mdx) under ${where}`
        : `kexec-contract test: nothing to test: no examples in ${where}`,
    );
    return 1;
  }
  return s.failed + s.errors > 0 ? 1 : 0;
}

export { test };
