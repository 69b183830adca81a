// Coverage / traceability: every clause -> its checks, examples, counterexamples and verdicts.
// Clauses lacking a check or an example stand out. Generated from the build's data (src/site/plugin.ts).

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import type { CoverageRow, Summary, VersionNav as Nav } from '../../site/data.ts';
import VersionNav from './VersionNav.tsx';
import LevelBadge, { VerdictBadge } from '../LevelBadge.tsx';
import { agree, plural } from '../plural.ts';

type Run = CoverageRow['examples'][number];

function Runs({ runs, fold }: { runs: Run[]; fold?: boolean }): React.ReactElement {
  if (runs.length === 0) return <span className="kc-muted">none</span>;
  if (fold) {
    // Counterexamples aimed at other clauses of the stage hold this one: count them, list on demand.
    const aimed = runs.filter((r) => !r.expectedToHold || r.held !== r.expectedToHold);
    const rest = runs.filter((r) => r.expectedToHold && r.held);
    return (
      <>
        {aimed.length > 0 ? <Runs runs={aimed} /> : <span className="kc-muted">none aimed at it</span>}
        {rest.length > 0 && (
          <details>
            <summary className="kc-muted">
              {plural(rest.length, 'other')} {agree(rest.length, 'holds', 'hold')} it
            </summary>
            <Runs runs={rest} />
          </details>
        )}
      </>
    );
  }
  return (
    <ul className="kc-plain-list">
      {runs.map((r) => (
        <li key={r.name}>
          <VerdictBadge held={r.held} intended={!r.held && !r.expectedToHold} />{' '}
          <Link to={r.href}>
            <code>{r.name}</code>
          </Link>
          {r.held !== r.expectedToHold && <strong className="kc-unexpected"> unexpected</strong>}
        </li>
      ))}
    </ul>
  );
}

export default function CoveragePage({
  data,
}: {
  data: { rows: CoverageRow[]; summary: Summary; version?: Nav };
}): React.ReactElement {
  const { rows, summary } = data;
  const gaps = rows.filter((r) => r.gaps.length > 0).length;
  return (
    <Layout
      title="Coverage"
      description="Every clause of the contract with its checks, examples and verdicts"
    >
      <main className="container margin-vert--lg kc-wide">
        <h1>Coverage and traceability</h1>
        <VersionNav nav={data.version} />
        <p>
          {plural(summary.clauses, 'clause')}, {summary.checked} with a machine check;{' '}
          {plural(summary.examples, 'example')} and {plural(summary.counterexamples, 'counterexample')} ran in
          this build. <strong>{gaps}</strong> {agree(gaps, 'clause lacks', 'clauses lack')} a check or an
          example (highlighted).
        </p>
        {/* On a phone each row becomes a card (labels from data-label, see custom.css); the explicit roles
            keep it a table for screen readers when CSS changes the cells' display. */}
        <table className="kc-coverage" role="table">
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader">clause</th>
              <th role="columnheader">level</th>
              <th role="columnheader">checks</th>
              <th role="columnheader">examples</th>
              <th role="columnheader">counterexamples aimed at it</th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {rows.map((r) => (
              <tr
                role="row"
                key={r.id}
                id={`coverage-${r.id}`}
                className={r.gaps.length > 0 ? 'kc-gap' : undefined}
              >
                <td role="cell" data-label="clause">
                  <Link to={r.href}>
                    <code>{r.id}</code>
                  </Link>
                  {r.gaps.map((g) => (
                    <div key={g} className="kc-gap-note">
                      {g}
                    </div>
                  ))}
                </td>
                <td role="cell" data-label="level">
                  <LevelBadge level={r.level} />
                </td>
                <td role="cell" data-label="checks">
                  {r.checks.length === 0 && r.undefinedItems.length === 0 ? (
                    <span className="kc-muted">none</span>
                  ) : (
                    <div className="kc-check-chips">
                      {r.checks.map((c, i) => (
                        <code key={i}>{c}</code>
                      ))}
                      {r.undefinedItems.map((c, i) => (
                        <code key={`u${i}`} className="kc-muted">
                          {c}
                        </code>
                      ))}
                    </div>
                  )}
                </td>
                <td role="cell" data-label="examples">
                  <Runs runs={r.examples} />
                </td>
                <td role="cell" data-label="counterexamples aimed at it">
                  <Runs runs={r.counterexamples} fold />
                  {r.exercise?.passThrough && (
                    <div className="kc-muted kc-small">
                      a pass-through fails it (variant {r.exercise.passThrough})
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </Layout>
  );
}
