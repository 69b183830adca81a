// `kexec-contract check FILE.o|FILE.S`: run a real relocation trampoline or purgatory in its stage's
// world through its caller adapter (src/check/) and judge every clause of the stage. Exit 0 when every
// checked clause held, 1 when one failed or the run faulted, 2 for usage and input errors (one line,
// at FILE:LINE where there is a line).

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AdapterError } from '../check/adapter.ts';
import { ADAPTERS } from '../check/adapters/index.ts';
import { checkObject } from '../check/check.ts';
import { checkAnnotations, checkSummaryLine, formatCheckJunit, formatCheckText } from '../check/report.ts';
import { loadSpec } from '../markdown/load.ts';
import { readLock } from '../markdown/lock.ts';
import { formatMessage, isError } from '../markdown/messages.ts';
import { jsonReport } from '../model/json-report.ts';
import { ToolMissingError } from '../runner/assemble.ts';
import { ENGINE_NAMES, EngineUnavailableError, isEngineName } from '../runner/engines.ts';
import { assembleSource, ObjectError, readObject, type RelObject } from '../runner/object/index.ts';
import { newestRelease, siteEnv } from '../site/env.ts';
import { defaultSpecDir, missingPath, packageVersion, projectRootOf } from './paths.ts';

const USAGE = `usage: kexec-contract check FILE.o|FILE.S [--impl ID] [--stage k2p|pcx|p2k]
                             [--engine ${ENGINE_NAMES.join('|')}] [--format text|json|junit]
                             [-I DIR ...] [-D NAME[=VALUE] ...] [--spec DIR] [--output FILE]

Runs a relocation trampoline or purgatory, as its C caller would start it, in the world of its stage
and judges every clause of that stage. FILE is the object a build made (make
arch/x86/kernel/relocate_kernel_64.o) or a .S, preprocessed (-D__ASSEMBLY__, -I, -D) and assembled here.
  --impl    the caller adapter (default: recognised by the symbols the object defines):
            ${ADAPTERS.map((a) => a.id).join(', ')}
  --stage   the stage whose clauses apply (default: the adapter's)
  --engine  the engine that runs it (default interp)
  --format  text (default), json (docs/reference/json-output.md) or junit (JUnit XML for CI)
  --spec    the spec directory (default ./spec, else the spec this package ships)
  --output  write the report to FILE instead of stdout
Under GitHub Actions (GITHUB_ACTIONS=true) failures are also printed as ::error annotations at the
source line. Exit status: 0 every checked clause held, 1 a clause failed or the run faulted, 2 bad
usage or input (not an object, does not assemble, undefined symbol, unknown --impl ...).`;

class InputError extends Error {
  constructor(
    message: string,
    readonly help = false,
  ) {
    super(message);
  }
}

const SOURCE = /\.(S|s|sx|asm)$/;

export default async function check(argv: string[]): Promise<number> {
  try {
    return await checkCommand(argv);
  } catch (e) {
    if (e instanceof InputError) {
      console.error(
        `kexec-contract check: ${e.message}${e.help ? ' (see kexec-contract check --help)' : ''}`,
      );
      return 2;
    }
    if (e instanceof ObjectError) {
      console.error(e.line ? `${e.line.file}:${e.line.line}: ${e.detail}` : e.message);
      return 2;
    }
    if (e instanceof AdapterError || e instanceof ToolMissingError || e instanceof EngineUnavailableError) {
      console.error(`kexec-contract check: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

async function checkCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        impl: { type: 'string' },
        stage: { type: 'string' },
        engine: { type: 'string', default: 'interp' },
        format: { type: 'string', default: 'text' },
        include: { type: 'string', short: 'I', multiple: true },
        define: { type: 'string', short: 'D', multiple: true },
        spec: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new InputError((e as Error).message, true);
  }
  const o = args.values;
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1)
    throw new InputError(args.positionals.length ? 'check one file at a time' : 'name a .o or .S file', true);
  const file = args.positionals[0]!;
  const format = o.format!;
  if (!['text', 'json', 'junit'].includes(format))
    throw new InputError(`unknown --format ${JSON.stringify(format)} (known: text, json, junit)`, true);
  const engine = o.engine!;
  if (!isEngineName(engine))
    throw new InputError(
      `unknown --engine ${JSON.stringify(engine)} (known: ${ENGINE_NAMES.join(', ')})`,
      true,
    );
  if (o.impl !== undefined && !ADAPTERS.some((a) => a.id === o.impl))
    throw new InputError(
      `unknown --impl ${JSON.stringify(o.impl)} (known: ${ADAPTERS.map((a) => a.id).join(', ')})`,
    );
  const missing = missingPath(file);
  if (missing) throw new InputError(missing);
  const specDir = o.spec ?? defaultSpecDir();
  const specMissing = missingPath(specDir);
  if (specMissing) throw new InputError(specMissing);

  const object = await objectOf(file, o.include ?? [], o.define ?? []);
  const spec = await loadSpec(specDir);
  const specErrors = spec.messages.filter(isError);
  if (specErrors.length) {
    for (const m of specErrors) console.error(formatMessage(m));
    throw new InputError(`the spec in ${specDir} has errors (run kexec-contract lint ${specDir})`);
  }
  if (o.stage !== undefined && !spec.index.stages.has(o.stage))
    throw new InputError(
      `unknown --stage ${JSON.stringify(o.stage)} (known: ${[...spec.index.stages.keys()].join(', ')})`,
    );
  const versionOf = await citedVersions(specDir);
  const started = performance.now();
  const result = await checkObject({
    object,
    spec,
    versionOf,
    engine,
    ...(o.impl !== undefined && { impl: o.impl }),
    ...(o.stage !== undefined && { stage: o.stage }),
  });
  const seconds = (performance.now() - started) / 1000;

  const report =
    format === 'json'
      ? jsonReport('check', packageVersion(), { seconds: Number(seconds.toFixed(3)), check: result }) + '\n'
      : format === 'junit'
        ? formatCheckJunit(result, seconds)
        : formatCheckText(result);
  if (o.output) await writeFile(o.output, report);
  else process.stdout.write(report);
  if (process.env.GITHUB_ACTIONS === 'true') for (const line of checkAnnotations(result)) console.log(line);
  if (o.output || format !== 'text') console.error(checkSummaryLine(result));
  return result.ok ? 0 : 1;
}

/**
 * The version each clause is cited at, as `kexec-contract cite` and the site cite it: the newest
 * release when the clause's content there is the same, else the working copy's version.
 */
async function citedVersions(specDir: string): Promise<(c: { id: string; hash: string }) => string> {
  const root = projectRootOf(specDir);
  const env = siteEnv(root);
  const release = newestRelease(root);
  // The release's lock holds each clause's hash as released: no need to parse the released spec.
  const released = release ? (await readLock(path.join(release.dir, 'clauses.lock.json'))).clauses : {};
  return (c) => (release && released[c.id]?.hash === c.hash ? release.version : env.specVersion);
}

/** The object: read as it is, or built from a .S with the preprocessor and the assembler. */
async function objectOf(file: string, includes: string[], defines: string[]): Promise<RelObject> {
  if (SOURCE.test(file)) {
    const built = await assembleSource(file, { includes, defines });
    if (!built.ok) {
      const first = built.diagnostics[0]!;
      const place = first.line !== undefined ? `${first.file}:${first.line}` : first.file;
      const more = built.diagnostics.length > 1 ? ` (and ${built.diagnostics.length - 1} more)` : '';
      throw new InputError(`${place}: ${first.message}${more}`);
    }
    for (const w of built.warnings)
      console.error(`${w.line !== undefined ? `${w.file}:${w.line}` : w.file}: warning: ${w.message}`);
    return readObject(built.bytes, file);
  }
  if (includes.length || defines.length)
    throw new InputError(`-I and -D apply to a .S source; ${path.basename(file)} is an object`, true);
  return readObject(new Uint8Array(await readFile(file)), file);
}

export { check };
