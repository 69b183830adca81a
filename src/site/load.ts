// Where the site's SpecDocuments come from: the build's spec pass over spec/ (which assembles and runs
// every example once per build, shared with the pages), or a JSON file of SpecDocument[] for developing
// the site against fake data.

import { readFile } from 'node:fs/promises';
import type { SpecPass } from '../harness/pass.ts';
import { formatMessage, isError } from '../markdown/messages.ts';
import type { SpecDocument } from '../model/types.ts';

export async function loadSpecDocuments(
  pass: SpecPass,
  specDir: string,
  documentsJson?: string,
  allowFailures = false,
): Promise<SpecDocument[]> {
  if (documentsJson) return JSON.parse(await readFile(documentsJson, 'utf8')) as SpecDocument[];
  const { documents, messages } = await pass.results(specDir);
  // A spec that does not check does not publish: the same errors fail the build, with file:line.
  const errors = messages.filter(isError);
  for (const m of allowFailures ? messages : messages.filter((x) => !isError(x)))
    console.warn(formatMessage(m));
  if (errors.length > 0 && !allowFailures) {
    throw new Error(`the spec does not check:\n${errors.map(formatMessage).join('\n')}`);
  }
  return documents;
}
