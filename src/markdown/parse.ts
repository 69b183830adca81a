// Parsing a spec file outside a host pipeline (the CLI, the harness, a site build's spec pass):
// remark-parse with directives, then extraction.

import type { Root } from 'mdast';
import remarkDirective from 'remark-directive';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { extract } from './extract.ts';
import type { SpecFile } from './model.ts';

const parser = unified().use(remarkParse).use(remarkDirective).freeze();

export function parseMarkdown(source: string): Root {
  return parser.parse(source);
}

export function extractSource(file: string, source: string): SpecFile {
  return extract({ tree: parseMarkdown(source), file, source });
}
