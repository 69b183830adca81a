// Parsing a spec file outside a host pipeline (the harness, the CLI): remark-parse with directives.

import type { Root } from 'mdast';
import remarkDirective from 'remark-directive';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { extract } from './extract.ts';
import type { Extracted, ExpectLineParser } from './extract.ts';

const parser = unified().use(remarkParse).use(remarkDirective).freeze();

export function parseMarkdown(source: string): Root {
  return parser.parse(source);
}

export function extractSource(file: string, source: string, parseExpectLine?: ExpectLineParser): Extracted {
  return extract({ tree: parseMarkdown(source), file, source, parseExpectLine });
}
