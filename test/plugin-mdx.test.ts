// The plugin's JSX mode inside a real MDX compile (what Docusaurus runs): both `.md` (CommonMark) and
// `.mdx` parse the clause directives and compile the elements to references to the site's components.

import { readFile } from 'node:fs/promises';
import { compile } from '@mdx-js/mdx';
import remarkDirective from 'remark-directive';
import { VFile } from 'vfile';
import { expect, test } from 'vitest';
import remarkKexecContract from '../src/plugin/index.ts';
import { isEngineName } from '../src/runner/engines.ts';

const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine = isEngineName(env) ? env : 'interp';
const SAMPLE = 'test/fixtures/sample/sample.md';

for (const format of ['md', 'mdx'] as const) {
  test(`compiles as ${format} with <Clause>, <Example> and <Given>`, async () => {
    const file = new VFile({ path: SAMPLE, value: await readFile(SAMPLE, 'utf8') });
    const js = String(
      await compile(file, {
        format,
        // Docusaurus registers remark-directive after its beforeDefaultRemarkPlugins, as here.
        remarkPlugins: [[remarkKexecContract, { jsx: true, engine, cache: false }], remarkDirective],
      }),
    );
    expect(js).toContain('{Clause, Example, Given} = _components');
    expect(js.match(/_jsxs?\(Clause, \{/g)).toHaveLength(8);
    expect(js.match(/_jsxs?\(Example, \{/g)).toHaveLength(3);
    expect(js.match(/_jsxs?\(Given, \{/g)).toHaveLength(1);
    expect(js).toContain('id: "demo.gpr.zero"');
    expect(js).not.toContain('```expect');
  });
}
