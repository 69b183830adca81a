// A clause block: its ID as a visible anchor (the HTML id is the clause ID and never changes), its
// level, its prose, its checks as a compact table, the examples that exercise it with their verdicts,
// and Copy citation. All data comes from the build (the remark plugin's `data` attribute).

import React, { type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { useDoc, useDocsVersion } from '@docusaurus/plugin-content-docs/client';
import { citationText, clausePermalink } from '../model/cite.ts';
import type { Clause as ClauseModel, Verdict } from '../model/types.ts';
import { exampleKey } from '../site/ids.ts';
import CopyCitation from './CopyCitation.tsx';
import LevelBadge, { VerdictBadge } from './LevelBadge.tsx';
import { splitCheck } from './checks.ts';
import { parseData, useSiteData } from './data.ts';

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

export function ChecksTable({ clause }: { clause: ClauseModel }): React.ReactElement | null {
  if (clause.assertions.length === 0) {
    return clause.unchecked ? <p className="kc-unchecked">No machine check: {clause.unchecked}</p> : null;
  }
  return (
    <table className="kc-checks">
      <thead>
        <tr>
          <th>item</th>
          <th></th>
          <th>expected</th>
        </tr>
      </thead>
      <tbody>
        {clause.assertions.map((a, i) => {
          const row = splitCheck(a.source, a.kind);
          return (
            <tr key={i} className={a.kind === 'undefined' ? 'kc-undefined-row' : undefined}>
              <td>
                <code>{row.item}</code>
              </td>
              <td>
                <code>{row.relation}</code>
              </td>
              <td>
                {row.kind === 'undefined' ? (
                  <span className="kc-badge kc-level-undefined">undefined</span>
                ) : (
                  <code>{row.expected}</code>
                )}
                {row.comment && <span className="kc-comment"> {row.comment}</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
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
  const doc = useOptional(useDoc);
  const version = useOptional(useDocsVersion);
  const specVersion = String(siteConfig.customFields?.specVersion ?? site.version);
  const citeVersion = !version || version.version === 'current' ? specVersion : version.version;
  const page = doc?.metadata.permalink;
  const permalink = page
    ? clausePermalink(siteConfig.url, page, id)
    : clausePermalink(siteConfig.url, site.clauseIndex[id]?.href ?? '/');
  const citation = citationText({
    id,
    level: clause.level,
    text: clause.text,
    hash: clause.hash,
    version: citeVersion,
    permalink,
  });

  return (
    <section className={`kc-clause kc-clause-${clause.level}`} id={id} data-clause={id}>
      <header className="kc-clause-head">
        <a className="kc-clause-id" href={`#${id}`} title="Permalink to this clause">
          {id}
        </a>
        <LevelBadge level={clause.level} />
        <span className="kc-stage">stage {clause.stage}</span>
        <CopyCitation text={citation} id={id} />
      </header>
      <div className="kc-clause-body">{props.children}</div>
      <ChecksTable clause={clause} />
      {verdicts.length > 0 && (
        <ul className="kc-clause-verdicts">
          {verdicts.map((v) => {
            const ex = site.exampleIndex[exampleKey(clause.stage, v.example)];
            const name = <code>{v.example}</code>;
            return (
              <li key={`${v.kind}/${v.example}`}>
                <VerdictBadge held={v.held} intended={!v.held && !v.expectedToHold} />{' '}
                {v.kind === 'counterexample' && <span className="kc-badge kc-counter">counterexample</span>}{' '}
                {ex ? <Link to={ex.href}>{name}</Link> : name}
                {v.held !== v.expectedToHold && (
                  <strong className="kc-unexpected"> unexpected verdict</strong>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
