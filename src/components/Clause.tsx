// A clause block: its ID as a visible anchor (the HTML id is the clause ID and never changes), its
// level, its prose, its checks as a compact table, the examples that exercise it with their verdicts,
// and Copy citation. All data comes from the build (the remark plugin's `data` attribute).

import React, { type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { useDoc } from '@docusaurus/plugin-content-docs/client';
import { citationText, citedEdition, clausePermalink } from '../model/cite.ts';
import type { Clause as ClauseModel, Verdict } from '../model/types.ts';
import { exampleKey } from '../site/ids.ts';
import CopyCitation from './CopyCitation.tsx';
import LevelBadge, { VerdictBadge } from './LevelBadge.tsx';
import { splitCheck } from './checks.ts';
import { parseData, useSiteData, useVersionData } from './data.ts';
import { agree, plural } from './plural.ts';

interface ClauseData {
  clause: ClauseModel;
  verdicts: Verdict[];
}

/** Hooks that need a doc context; the component also renders outside docs (hand-written pages). */
function useOptional<T>(hook: () => T): T | undefined {
  try {
    return hook();
  } catch {
    return undefined;
  }
}

/** Checks per column once a clause has many (16 GPRs fit in a few lines on a wide screen). */
function columnsFor(n: number): number {
  return n > 12 ? 3 : n > 6 ? 2 : 1;
}

/**
 * The checks of a clause: one small table (item, expected) per column. The columns sit side by side
 * and wrap below each other when the screen is narrow, so a phone gets one readable column instead of
 * a wide table; each table is still a real table, read in order.
 */
export function ChecksTable({ clause }: { clause: ClauseModel }): React.ReactElement | null {
  if (clause.assertions.length === 0) {
    return clause.unchecked ? (
      <p className="kc-unchecked kc-search-ignore">No machine check: {clause.unchecked}</p>
    ) : null;
  }
  const rows = clause.assertions.map((a) => ({ a, row: splitCheck(a.source, a.kind) }));
  const height = Math.ceil(rows.length / columnsFor(rows.length));
  const columns = Array.from({ length: Math.ceil(rows.length / height) }, (_, c) =>
    rows.slice(c * height, (c + 1) * height),
  );
  return (
    <div className="kc-checks kc-search-ignore">
      {columns.map((column, c) => (
        <table key={c} className="kc-checks-table">
          <thead>
            <tr>
              <th>item</th>
              <th>expected</th>
            </tr>
          </thead>
          <tbody>
            {column.map(({ a, row }, r) => (
              <tr key={r} className={a.kind === 'undefined' ? 'kc-undefined-row' : undefined}>
                <td>
                  <code>{row.item}</code>
                </td>
                <td>
                  {row.kind === 'undefined' ? (
                    <span className="kc-badge kc-level-undefined">undefined</span>
                  ) : (
                    <code>
                      {row.relation && row.relation !== '==' ? `${row.relation} ` : ''}
                      {row.expected}
                    </code>
                  )}
                  {row.comment && <span className="kc-comment"> {row.comment}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </div>
  );
}

/** The runs that exercised a clause: examples, the counterexamples built to violate it, the rest folded. */
export function ClauseRuns({
  stage,
  verdicts,
}: {
  stage: string;
  verdicts: Verdict[];
}): React.ReactElement | null {
  const exampleHrefs = useVersionData().examples;
  if (verdicts.length === 0)
    return <p className="kc-unchecked kc-search-ignore">No example exercises this clause.</p>;
  const item = (v: Verdict) => {
    const href = exampleHrefs[exampleKey(stage, v.example)];
    const name = <code>{v.example}</code>;
    return (
      <li key={`${v.kind}/${v.example}`}>
        <VerdictBadge held={v.held} intended={!v.held && !v.expectedToHold} />{' '}
        {href ? <Link to={href}>{name}</Link> : name}
        {!v.held && v.variant && <span className="kc-muted"> (under {v.variant})</span>}
        {v.held !== v.expectedToHold && <strong className="kc-unexpected"> unexpected verdict</strong>}
      </li>
    );
  };
  const examples = verdicts.filter((v) => v.kind === 'example');
  const targeted = verdicts.filter(
    (v) => v.kind === 'counterexample' && (!v.expectedToHold || v.held !== v.expectedToHold),
  );
  const others = verdicts.filter((v) => v.kind === 'counterexample' && v.expectedToHold && v.held);
  return (
    <div className="kc-clause-runs kc-search-ignore">
      <div>
        <span className="kc-runs-label">examples</span>
        <ul className="kc-inline-list">
          {examples.length ? examples.map(item) : <li className="kc-muted">none</li>}
        </ul>
      </div>
      {targeted.length > 0 && (
        <div>
          <span className="kc-runs-label">counterexamples violating it</span>
          <ul className="kc-inline-list">{targeted.map(item)}</ul>
        </div>
      )}
      {others.length > 0 && (
        <details>
          <summary className="kc-muted">
            {plural(others.length, 'other counterexample')} of stage {stage}{' '}
            {agree(others.length, 'holds', 'hold')} it
          </summary>
          <ul className="kc-inline-list">{others.map(item)}</ul>
        </details>
      )}
    </div>
  );
}

export default function Clause(props: {
  id: string;
  data: string | ClauseData;
  children?: ReactNode;
}): React.ReactElement {
  const { clause, verdicts } = parseData<ClauseData>(props.data);
  const id = props.id ?? clause.id;
  useBrokenLinks().collectAnchor(id);
  const { siteConfig } = useDocusaurusContext();
  const site = useSiteData();
  const version = useVersionData();
  const doc = useOptional(useDoc);
  const page = doc?.metadata.permalink;
  const permalink = page
    ? clausePermalink(siteConfig.url, page, id)
    : clausePermalink(siteConfig.url, version.clauses[id] ?? '/');
  // The newest release's edition when its content is the same (same hash: same level and text), else
  // the one on this page. Either permalink names its version (/spec/1.0/...), so it stays pinned.
  const released = site.release?.clauses[id];
  const cited = citedEdition(
    { version: version.label, hash: clause.hash, permalink, level: clause.level, text: clause.text },
    released && {
      version: site.release!.version,
      hash: released.hash,
      permalink: clausePermalink(siteConfig.url, released.href),
      level: clause.level,
      text: clause.text,
    },
  );
  const citation = citationText({ id, ...cited });

  return (
    <section className={`kc-clause kc-clause-${clause.level}`} id={id} data-clause={id}>
      {/* The ID is the clause's heading: the local search indexes each clause as its own entry under it
          (title: the ID; text: what follows the heading, level first, interface labels left out by the
          kc-search-ignore class, see docusaurus.config.ts). The hidden hash-link is the entry's anchor. */}
      <h3 className="kc-clause-title">
        <a className="kc-clause-id" href={`#${id}`} title="Permalink to this clause">
          {id}
        </a>
        <a className="hash-link kc-index-anchor" href={`#${id}`} aria-hidden="true" tabIndex={-1} />
      </h3>
      <div className="kc-clause-head">
        <LevelBadge level={clause.level} />
        <span className="kc-stage kc-search-ignore">stage {clause.stage}</span>
        <CopyCitation text={citation} id={id} />
      </div>
      <div className="kc-clause-body">{props.children}</div>
      <ChecksTable clause={clause} />
      {clause.assertions.some((a) => a.kind === 'check') && (
        <ClauseRuns stage={clause.stage} verdicts={verdicts} />
      )}
    </section>
  );
}
