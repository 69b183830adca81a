// Where the site's SpecDocuments come from: checkSpec over spec/ (assembles and runs every example,
// once per build), or a JSON file of SpecDocument[] for developing the site against fake data.

import { readFile } from 'node:fs/promises';
import { formatMessage, isError } from '../plugin/messages.ts';
import type { SpecDocument } from '../model/types.ts';

export async function loadSpecDocuments(
  specDir: string,
  documentsJson?: string,
  allowFailures = false,
): Promise<SpecDocument[]> {
  if (documentsJson) return JSON.parse(await readFile(documentsJson, 'utf8')) as SpecDocument[];
  const { checkSpec } = await import('../harness/check.ts');
  const { documents, messages } = await checkSpec(specDir, {});
  // A spec that does not check does not publish: the same errors fail the build, with file:line.
  const errors = messages.filter(isError);
  for (const m of allowFailures ? messages : messages.filter((x) => !isError(x)))
    console.warn(formatMessage(m));
  if (errors.length > 0 && !allowFailures) {
    throw new Error(`the spec does not check:\n${errors.map(formatMessage).join('\n')}`);
  }
  return documents;
}
