// What every reader of one file needs: its name and source (for exact columns and prose), the place of
// a node, and one list of messages in the order the problems were found.

import type { Nodes } from 'mdast';
import type { VFileMessage } from 'vfile-message';
import type { SourcePlace } from '../model/types.ts';
import { specMessage, type RuleId } from './messages.ts';

export class FileContext {
  readonly messages: VFileMessage[] = [];
  private lines?: string[];

  constructor(
    /** Path used in places and messages (relative, e.g. `spec/k2p.md`). */
    readonly file: string,
    /** The Markdown source the tree was parsed from. */
    readonly source: string,
  ) {}

  /** Line `n` (1-based) of the source. */
  line(n: number): string | undefined {
    this.lines ??= this.source.split('\n');
    return this.lines[n - 1];
  }

  error(reason: string, place: SourcePlace, rule: RuleId): void {
    this.messages.push(specMessage(reason, place, rule));
  }

  placeOf(node: Nodes): SourcePlace {
    return {
      file: this.file,
      line: node.position?.start.line ?? 1,
      column: node.position?.start.column ?? 1,
    };
  }

  /** The exact Markdown of a node, as written, continuation lines de-indented. */
  slice(node: Nodes): string {
    const s = node.position?.start.offset;
    const e = node.position?.end.offset;
    if (s === undefined || e === undefined) return '';
    return dedent(this.source.slice(s, e));
  }
}

/** Drop the common indentation of continuation lines (a node's first line starts at its column). */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(cut))].join('\n');
}
