// @ts-check
// The layers of src/ and what each may import (docs/guides/architecture.md has the same table, and
// test/layers.test.ts keeps the two in step). A file in src/<folder>/ may import from its own folder
// and from the folders (or single files) listed for it; any other relative import is reported, naming
// the layer it may not reach. Type-only imports count too: they are dependencies all the same.

import path from 'node:path';

/** @type {Record<string, string[]>} */
export const LAYERS = {
  x86: [],
  runner: ['x86'],
  model: ['x86', 'runner'],
  markdown: ['x86', 'model'],
  harness: ['x86', 'runner', 'model', 'markdown'],
  check: ['x86', 'runner', 'model', 'markdown', 'harness'],
  plugin: ['x86', 'runner', 'model', 'markdown', 'harness'],
  site: ['x86', 'model', 'markdown', 'harness', 'plugin'],
  cli: ['x86', 'runner', 'model', 'markdown', 'harness', 'check', 'site'],
  components: ['x86', 'model', 'site/data.ts', 'site/ids.ts'],
  pages: ['x86', 'model', 'components', 'site/data.ts', 'site/ids.ts'],
  theme: ['components'],
};

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** @type {import('eslint').Rule.RuleModule} */
export const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'a layer of src/ imports only the layers below it (docs/guides/architecture.md)' },
    schema: [],
    messages: {
      layer:
        "src/{{from}} may not import '{{source}}' (src/{{to}}): src/{{from}} may import {{allowed}} (docs/guides/architecture.md)",
      unknown: 'src/{{from}} is not a layer of docs/guides/architecture.md (eslint/layers.js): add it there',
      outside: "src/{{from}} may not import '{{source}}': it is outside src/",
    },
  },
  create(context) {
    const rel = path.relative(SRC, path.resolve(context.filename));
    if (rel.startsWith('..') || path.isAbsolute(rel) || !rel.includes(path.sep)) return {};
    const from = rel.split(path.sep)[0];
    const allowed = LAYERS[from];
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      if (!allowed) return context.report({ node, messageId: 'unknown', data: { from } });
      const target = path.relative(SRC, path.resolve(path.dirname(context.filename), source));
      if (target.startsWith('..') || path.isAbsolute(target))
        return context.report({ node, messageId: 'outside', data: { from, source } });
      const parts = target.split(path.sep);
      const to = parts[0];
      if (to === from) return;
      const file = parts.join('/');
      if (allowed.some((a) => (a.includes('/') ? a === file : a === to))) return;
      const list = allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'nothing outside itself';
      context.report({
        node,
        messageId: 'layer',
        data: { from, to: parts.length > 1 ? `${to}/` : to, source, allowed: list },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { layers } };
