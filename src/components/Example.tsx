// An example or counterexample: its assembly (GAS/AT&T highlighted), how its run ended, a verdict table
// with every clause of its stage, and the trace viewer. Counterexamples are marked as such, with the
// clauses they violate. Everything shown was computed by the build.

import React, { useState } from 'react';
import Link from '@docusaurus/Link';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import CodeBlock from '@theme/CodeBlock';
import type { Example as ExampleModel, ExampleRun } from '../model/types.ts';
import { exampleAnchor } from '../site/ids.ts';
import { VerdictBadge } from './LevelBadge.tsx';
import TraceViewer from './TraceViewer.tsx';
import { parseData, useVersionData } from './data.ts';
import { agree, plural } from './plural.ts';

interface ExampleData {
  example: ExampleModel;
  run?: ExampleRun;
}

function ClauseLink({ id }: { id: string }): React.ReactElement {
  const href = useVersionData().clauses[id];
  return href ? (
    <Link to={href}>
      <code>{id}</code>
    </Link>
  ) : (
    <code>{id}</code>
  );
}

/** What a run's outcome means for its kind: a counterexample that fails as it names is a success. */
function RunBadge({ run, counter }: { run?: ExampleRun; counter: boolean }): React.ReactElement {
  if (!run) return <span className="kc-badge kc-fail">not run</span>;
  if (counter) {
    return run.ok ? (
      <span
        className="kc-badge kc-fail-intended"
        title="The checks catch it: it fails exactly the clauses it names"
      >
        fails as intended
      </span>
    ) : (
      <span className="kc-badge kc-fail" title="It does not fail exactly the clauses it names">
        does not fail as intended
      </span>
    );
  }
  return run.ok ? (
    <span className="kc-badge kc-pass">behaves as specified</span>
  ) : (
    <span className="kc-badge kc-fail">FAILS</span>
  );
}

export function VerdictTable({ run, violates }: { run: ExampleRun; violates: string[] }): React.ReactElement {
  return (
    <div className="kc-table-scroll">
      <table className="kc-verdicts">
        <thead>
          <tr>
            <th>clause</th>
            <th>verdict</th>
            <th>failures: expected vs actual</th>
          </tr>
        </thead>
        <tbody>
          {run.verdicts.map((v) => {
            const failures = v.assertions.filter((a) => !a.held);
            const intended = !v.held && violates.includes(v.clause);
            return (
              <tr
                key={v.clause}
                className={v.held ? undefined : intended ? 'kc-row-violated' : 'kc-row-failed'}
              >
                <td>
                  <ClauseLink id={v.clause} />
                </td>
                <td>
                  <VerdictBadge held={v.held} intended={intended} />
                  {v.held !== v.expectedToHold && <strong className="kc-unexpected"> unexpected</strong>}
                </td>
                <td>
                  {failures.map((a, i) => (
                    <div key={i} className="kc-failure">
                      <code>{a.source}</code>
                      {a.expected !== undefined && (
                        <>
                          {' '}
                          expected <code>{a.expected}</code>, actual{' '}
                          <code className="kc-actual">{a.actual}</code>
                        </>
                      )}
                      {a.message && <span className="kc-comment"> {a.message}</span>}
                      {a.seed !== undefined && <span className="kc-muted"> (seed {a.seed})</span>}
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The trace, rendered only while open: a chapter has dozens of runs and most readers open few. */
function TraceDetails({
  run,
  open,
  name,
}: {
  run: ExampleRun;
  open: boolean;
  name: string;
}): React.ReactElement {
  const [shown, setShown] = useState(open);
  const steps = run.trace.length + (run.traceOmitted ?? 0);
  return (
    <details className="kc-trace-details" open={open} onToggle={(e) => setShown(e.currentTarget.open)}>
      <summary>Trace ({plural(steps, 'instruction')})</summary>
      {shown && (
        <TraceViewer
          trace={run.trace}
          final={run.final}
          stop={run.stop}
          omitted={run.traceOmitted}
          label={name}
        />
      )}
    </details>
  );
}

export default function Example(props: { data: string | ExampleData }): React.ReactElement {
  const { example, run } = parseData<ExampleData>(props.data);
  const anchor = exampleAnchor(example.stage, example.name);
  useBrokenLinks().collectAnchor(anchor);
  const counter = example.kind === 'counterexample';
  return (
    <section
      className={`kc-example ${counter ? 'kc-example-counter' : ''}`}
      id={anchor}
      data-example={example.name}
    >
      <header className="kc-example-head">
        <a href={`#${anchor}`} className={`kc-badge ${counter ? 'kc-counter' : 'kc-example-kind'}`}>
          {counter ? 'counterexample' : 'example'}
        </a>
        <strong>{example.name}</strong>
        <span className="kc-stage">stage {example.stage}</span>
        {example.impl && <span className="kc-stage">models {example.impl}</span>}
        <RunBadge run={run} counter={counter} />
      </header>
      {counter && (
        <p className="kc-violates">
          Counterexample: violates{' '}
          {example.violates.map((id, i) => (
            <React.Fragment key={id}>
              {i > 0 && ', '}
              <ClauseLink id={id} />
            </React.Fragment>
          ))}
        </p>
      )}
      <CodeBlock language="gas" showLineNumbers>
        {example.source.replace(/\n$/, '')}
      </CodeBlock>
      {run && (
        <>
          <p className="kc-run">
            Ran on <code>{run.engine}</code>
            {run.verdicts[0]
              ? ` with ${agree(run.verdicts[0].seeds.length, 'seed', 'seeds')} ${run.verdicts[0].seeds.join(', ')}`
              : ''}
            : stopped by <code>{run.stop.reason}</code> at <code>{run.stop.rip}</code>
            {run.steps !== undefined ? ` after ${plural(run.steps, 'instruction')}` : ''}.
          </p>
          <VerdictTable run={run} violates={example.violates} />
          {run.serial && (
            <div className="kc-serial">
              <span className="kc-runs-label">serial output</span>
              <pre>{run.serial}</pre>
            </div>
          )}
          <TraceDetails run={run} open={!counter} name={example.name} />
        </>
      )}
    </section>
  );
}
