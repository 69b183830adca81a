// The layer rule (eslint/layers.js): a file of src/ imports only the layers below its own. Each case
// lints a few lines as if they were a file of that folder; the last test keeps the architecture guide's
// table and the rule's table in step.

import { readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { LAYERS } from '../eslint/layers.js';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r!.messages.filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

describe('eslint layers rule', () => {
  test('the runner may not import the harness (a violation is caught, naming what is allowed)', async () => {
    expect(
      await layerErrors(
        'src/runner/fixture.ts',
        "import { checkSpec } from '../harness/check.ts';\nvoid checkSpec;\n",
      ),
    ).toEqual([
      "src/runner may not import '../harness/check.ts' (src/harness/): src/runner may import src/x86 (docs/guides/architecture.md)",
    ]);
  });

  test('type-only imports, re-exports and dynamic imports count', async () => {
    const code = [
      "import type { SpecModel } from '../markdown/model.ts';",
      "export { hex } from '../x86/hex.ts';",
      "export const later = () => import('../harness/pass.ts');",
      'export type M = SpecModel;',
    ].join('\n');
    expect(await layerErrors('src/model/fixture.ts', code)).toHaveLength(2);
  });

  test('components reach the site only through its data types and ids, never the runner', async () => {
    const code = [
      "import type { SiteData } from '../site/data.ts';",
      "import { exampleAnchor } from '../site/ids.ts';",
      "import { GPRS } from '../x86/registers.ts';",
      "import type { SitePluginOptions } from '../site/plugin.ts';",
      "import type { World } from '../runner/types.ts';",
      'export type X = [SiteData, SitePluginOptions, World, typeof exampleAnchor, typeof GPRS];',
    ].join('\n');
    const errors = await layerErrors('src/components/Fixture.tsx', code);
    expect(errors.map((e) => /'([^']+)'/.exec(e)![1])).toEqual(['../site/plugin.ts', '../runner/types.ts']);
  });

  test('x86 imports nothing outside itself; allowed imports pass', async () => {
    expect(
      await layerErrors('src/x86/fixture.ts', "import { GPRS } from './registers.ts';\nexport { GPRS };\n"),
    ).toEqual([]);
    expect(
      await layerErrors(
        'src/x86/fixture.ts',
        "import type { World } from '../runner/types.ts';\nexport type W = World;\n",
      ),
    ).toHaveLength(1);
    expect(
      await layerErrors(
        'src/harness/fixture.ts',
        "import type { SpecModel } from '../markdown/model.ts';\nexport type M = SpecModel;\n",
      ),
    ).toEqual([]);
  });

  test('nothing in src/ imports from outside it', async () => {
    expect(
      await layerErrors('src/site/fixture.ts', "import '../../test/support/differential/gate.ts';\n"),
    ).toEqual(["src/site may not import '../../test/support/differential/gate.ts': it is outside src/"]);
  });
});

test('docs/guides/architecture.md lists the same layers and imports as the rule', () => {
  const doc = readFileSync(new URL('../docs/guides/architecture.md', import.meta.url), 'utf8');
  const rows = doc
    .split('\n')
    .filter((l) => /^\| `src\/[a-z0-9]+\/` +\|/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));
  const table = Object.fromEntries(
    rows.map((cells) => {
      const layer = /src\/([a-z0-9]+)\//.exec(cells[1]!)![1]!;
      const may = [...cells[3]!.matchAll(/`src\/([^`]+?)\/?`/g)].map((m) => m[1]!);
      return [layer, may];
    }),
  );
  expect(table).toEqual(LAYERS);
});
