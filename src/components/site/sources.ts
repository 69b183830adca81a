// Links for the implementation matrix's sources: `owner/repo@commit` in an implementation's `version`
// (spec/implementations.yaml) names a GitHub repository at a commit; its `source` lists files in it.

/** Plain text, or text that links somewhere. */
export type Piece = string | { text: string; href: string };

const COMMIT = /\b([A-Za-z0-9][\w.-]*\/[\w.-]+)@([0-9a-f]{7,40})\b/g;

/** The `owner/repo@commit` references in `text`, each linked to the commit on GitHub; the rest as text. */
export function linkCommits(text: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(COMMIT)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push({ text: m[0], href: `https://github.com/${m[1]}/commit/${m[2]}` });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/**
 * The files of `source` (comma-separated paths), each linked to the file at the first commit `version`
 * names; as text when `version` names none.
 */
export function linkSources(source: string, version: string | undefined): Piece[] {
  const first = [...(version ?? '').matchAll(COMMIT)][0];
  const out: Piece[] = [];
  source.split(/(,\s*)/).forEach((part, i) => {
    if (i % 2 === 1 || !first || !/^[\w.-]+(\/[\w.-]+)*$/.test(part)) out.push(part);
    else out.push({ text: part, href: `https://github.com/${first[1]}/blob/${first[2]}/${part}` });
  });
  return out.filter((p) => p !== '');
}
