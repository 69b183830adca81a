// An example or counterexample: its assembly (GAS/AT&T highlighted), how its run ended, a one-line
// verdict, and on request the verdict table with every clause of its stage and the trace viewer, whose
// data (the run's details file, src/site/runs.ts) is fetched when opened. Counterexamples are marked as
// such, with the clauses they violate. Everything shown was computed by the build.

import React, { useEffect, useRef, useState } from 'react';
import Link from '@docusaurus/Link';
import useBaseUrl from '@docusaurus/useBaseUrl';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import CodeBlock from '@theme/CodeBlock';
import type { Verdict } from '../model/types.ts';
import { exampleAnchor, runDetailPath } from '../site/ids.ts';
import { splitRun, type RunDetail, type RunSummary, type SiteExampleData } from '../site/data.ts';
import type { ExampleRun } from '../model/types.ts';
import { VerdictBadge } from './LevelBadge.tsx';
import TraceViewer from './TraceViewer.tsx';
import { parseData, useVersionData } from './data.ts';
import { agree, plural } from './plural.ts';

/** Details already fetched (or being fetched), by URL: a run opened twice is fetched once. */
const details = new Map<string, Promise<RunDetail>>();

function fetchDetail(url: string): Promise<RunDetail> {
  let p = details.get(url);
  if (!p) {
    p = fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.json() as Promise<RunDetail>;
    });
    p.catch(() => details.delete(url));
    details.set(url, p);
  }
  return p;
}

/** The run's details once `wanted` (its <details> opened): fetched then, not with the page. */
function useRunDetail(
  hash: string,
  wanted: boolean,
  inline?: RunDetail,
): { detail?: RunDetail; error?: string } {
  const url = useBaseUrl(runDetailPath(hash));
  const [state, setState] = useState<{ detail?: RunDetail; error?: string }>(
    inline ? { detail: inline } : {},
  );
  useEffect(() => {
    if (!wanted || state.detail) return;
    let live = true;
    fetchDetail(url).then(
      (detail) => live && setState({ detail }),
      (e: unknown) => live && setState({ error: String(e) }),
    );
    return () => {
      live = false;
    };
  }, [url, wanted, state.detail]);
  return state;
}

/** A folded part of an example whose content needs the run's details. */
function DetailsPart({
  hash,
  inline,
  summary,
  className,
  children,
}: {
  hash: string;
  /** Details the page already has (a full run in hand-written MDX): nothing to fetch. */
  inline?: RunDetail;
  summary: React.ReactNode;
  className: string;
  children: (detail: RunDetail) => React.ReactNode;
}): React.ReactElement {
  const [open, setOpen] = useState(false);
  const { detail, error } = useRunDetail(hash, open, inline);
  // Opened before this part was hydrated (a quick reader, a slow phone): the toggle event was missed.
  const box = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (box.current?.open) setOpen(true);
  }, []);
  return (
    <details ref={box} className={className} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open &&
        (detail ? (
          children(detail)
        ) : error ? (
          <p className="kc-fail-text" role="alert">
            Could not load the run's details ({error}).
          </p>
        ) : (
          <p className="kc-muted kc-loading" role="status">
            Loading…
          </p>
        ))}
    </details>
  );
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
function RunBadge({ run, counter }: { run?: RunSummary; counter: boolean }): React.ReactElement {
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

export function VerdictTable({
  verdicts,
  violates,
}: {
  verdicts: Verdict[];
  violates: string[];
}): React.ReactElement {
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
          {verdicts.map((v) => {
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
                  {!v.held && v.variant && <span className="kc-muted"> under variant {v.variant}</span>}
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

/**
 * The example's assembly: plain text in the page (light to load and hydrate: a chapter has dozens of
 * long examples, and a highlighted line is a dozen elements), highlighted once it comes near the
 * screen.
 */
function ExampleSource({ source }: { source: string }): React.ReactElement {
  const box = useRef<HTMLDivElement>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el || near) return;
    if (typeof IntersectionObserver === 'undefined') {
      setNear(true);
      return;
    }
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setNear(true), {
      rootMargin: '600px 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [near]);
  return (
    <div ref={box} className="kc-source" data-highlighted={near || undefined}>
      {near ? (
        <CodeBlock language="gas" showLineNumbers>
          {source}
        </CodeBlock>
      ) : (
        <pre className="kc-source-plain">
          <code>{source}</code>
        </pre>
      )}
    </div>
  );
}

/** The verdicts in one line: what failed (and whether it should have), how many clauses held. */
function VerdictLine({ run, violates }: { run: RunSummary; violates: string[] }): React.ReactElement {
  const failed = run.verdicts.filter((v) => !v.held);
  const held = run.verdicts.length - failed.length;
  const unexpected = run.verdicts.filter((v) => v.held !== v.expectedToHold);
  return (
    <p className="kc-verdict-line">
      {failed.length === 0 ? (
        <>Holds all {plural(run.verdicts.length, 'clause')} of its stage.</>
      ) : (
        <>
          Fails{' '}
          {failed.map((v, i) => (
            <React.Fragment key={v.clause}>
              {i > 0 && ', '}
              <ClauseLink id={v.clause} />
              {violates.includes(v.clause) ? ' (as intended)' : ''}
            </React.Fragment>
          ))}
          ; holds the other {plural(held, 'clause')}.
        </>
      )}
      {unexpected.length > 0 && (
        <strong className="kc-unexpected">
          {' '}
          Unexpected verdict on {unexpected.map((v) => v.clause).join(', ')}.
        </strong>
      )}
    </p>
  );
}

/** What a step is: an executed instruction, and each iteration of a rep-prefixed one (engines count them so). */
function stepsMeaning(source: string): string {
  return /^\s*(?:[.\w]+:\s*)*rep(?:e|ne|z|nz)?\b/im.test(source)
    ? 'instructions executed; each iteration of a rep-prefixed instruction is one step'
    : 'instructions executed';
}

/** The run as the remark plugin trims it (a summary), or whole, as hand-written MDX may pass it. */
function runOf(run: RunSummary | ExampleRun | undefined): { run?: RunSummary; inline?: RunDetail } {
  if (!run || !('trace' in run)) return { run };
  const { summary, detail } = splitRun(run);
  return { run: { ...summary, detail: '' }, inline: detail };
}

export default function Example(props: {
  data: string | SiteExampleData | { example: SiteExampleData['example']; run?: ExampleRun };
}): React.ReactElement {
  const data = parseData<SiteExampleData | { example: SiteExampleData['example']; run?: ExampleRun }>(
    props.data,
  );
  const { example } = data;
  const { run, inline } = runOf(data.run);
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
      <ExampleSource source={example.source.replace(/\n$/, '')} />
      {run && (
        <>
          <p className="kc-run">
            Ran on <code>{run.engine}</code>
            {run.seeds.length > 0
              ? ` with ${agree(run.seeds.length, 'seed', 'seeds')} ${run.seeds.join(', ')}`
              : ''}
            : stopped by <code>{run.stop.reason}</code> at <code>{run.stop.rip}</code>
            {run.steps !== undefined
              ? ` after ${plural(run.steps, 'step')} (${stepsMeaning(example.source)})`
              : ''}
            .
            {run.variants && (
              <>
                {' '}
                Caller-state variants: {run.variants.join(', ')} (trace and stop: {run.variants[0]})
                {example.without?.length ? `; not run under ${example.without.join(', ')} (without=)` : ''}.
              </>
            )}
          </p>
          <VerdictLine run={run} violates={example.violates} />
          <DetailsPart
            hash={run.detail}
            inline={inline}
            className="kc-verdict-details"
            summary={`Verdicts on ${plural(run.verdicts.length, 'clause')}, expected against actual`}
          >
            {(d) => <VerdictTable verdicts={d.verdicts} violates={example.violates} />}
          </DetailsPart>
          {run.serial && (
            <div className="kc-serial">
              <span className="kc-runs-label">serial output</span>
              <pre>{run.serial}</pre>
            </div>
          )}
          <DetailsPart
            hash={run.detail}
            inline={inline}
            className="kc-trace-details"
            summary={`Trace (${plural(run.traceRows + (run.traceOmitted ?? 0), 'step')})`}
          >
            {(d) => (
              <TraceViewer
                trace={d.trace}
                final={d.final}
                initial={d.initial}
                stop={run.stop}
                omitted={d.traceOmitted}
                label={example.name}
              />
            )}
          </DetailsPart>
        </>
      )}
    </section>
  );
}
