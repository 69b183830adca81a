// The home page: what the contract is, its headline rules (the MUST / MUST NOT clauses) and the
// pass/fail summary of the build that published the site, in one screen.

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { plainText } from '../model/cite.ts';
import LevelBadge from '../components/LevelBadge.tsx';
import { useSiteData, useVersionData } from '../components/data.ts';
import { coveragePath, matrixPath } from '../site/ids.ts';
import { plural } from '../components/plural.ts';
import { useLatestVersion, useVersions, type GlobalVersion } from '@docusaurus/plugin-content-docs/client';

/** The path of a spec version's first chapter. */
function mainDocPath(version: GlobalVersion): string {
  return version.docs.find((d) => d.id === version.mainDocId)?.path ?? version.path;
}

/** The first sentence of a clause's prose, as plain text. */
function firstSentence(markdown: string): string {
  const text = plainText(markdown, 10_000).join(' ');
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  const sentence = m ? m[1] : text;
  return sentence.length > SENTENCE_MAX
    ? sentence.slice(0, sentence.lastIndexOf(' ', SENTENCE_MAX)) + ' …'
    : sentence;
}

const HEADLINE_MAX = 7;
const SENTENCE_MAX = 90;

export default function Home(): React.ReactElement {
  const { siteConfig } = useDocusaurusContext();
  const site = useSiteData();
  const { headline } = site;
  // The newest release, as the navbar's version menu shows it; the working copy is offered beside it.
  const latest = useLatestVersion('spec');
  const current = useVersions('spec').find((v) => v.name === 'current');
  const released = latest.name !== 'current' ? latest : undefined;
  const shown = useVersionData();
  const working = released ? site.versions.current : undefined;
  const { summary } = shown;
  const runs = summary.passed + summary.failed;
  const green = summary.failed === 0 && runs > 0;
  return (
    <Layout title="The x86-64 kexec handoff contract" description={siteConfig.tagline}>
      <main className="container margin-vert--lg kc-home">
        <div className="row">
          <div className="col col--7">
            <h1>The x86-64 kexec handoff contract</h1>
            <p className="kc-lead">
              When Linux kexecs, the old kernel hands the CPU to purgatory, and purgatory to the next kernel.
              This contract says what state each side may rely on at those handoffs: registers, flags, control
              registers, stack, page tables. Every rule is a clause with a stable ID, and every checkable
              clause is checked by running assembly examples modelled on real implementations, including
              counterexamples from history.
            </p>
            <p>
              <Link className="button button--primary" to={mainDocPath(latest)}>
                Read the contract{released ? ` ${released.label}` : ''}
              </Link>{' '}
              <Link className="button button--secondary" to="/coverage">
                Coverage
              </Link>{' '}
              <Link className="button button--secondary" to="/matrix">
                Implementations
              </Link>{' '}
              <a className="button button--secondary" href={`${siteConfig.baseUrl}clauses.json`}>
                clauses.json
              </a>
            </p>
            <h2>Headline rules</h2>
            {headline.length === 0 ? (
              <p className="kc-muted">No MUST clauses yet.</p>
            ) : (
              <ul className="kc-headline">
                {headline.slice(0, HEADLINE_MAX).map((c) => (
                  <li key={c.id}>
                    <LevelBadge level={c.level} />{' '}
                    <Link to={c.href}>
                      <code>{c.id}</code>
                    </Link>{' '}
                    {firstSentence(c.text)}
                  </li>
                ))}
                {headline.length > HEADLINE_MAX && (
                  <li className="kc-muted">
                    and {headline.length - HEADLINE_MAX} more on the <Link to="/coverage">coverage page</Link>
                    .
                  </li>
                )}
              </ul>
            )}
          </div>
          <div className="col col--5">
            <div className={`kc-summary ${green ? 'kc-summary-pass' : 'kc-summary-fail'}`} data-summary>
              <h2>
                {green
                  ? 'This build passed'
                  : runs === 0
                    ? 'Nothing ran in this build'
                    : 'This build has failures'}
              </h2>
              <p className="kc-summary-big">
                {summary.passed} of {plural(runs, 'run')} behaved as specified
              </p>
              <table>
                <tbody>
                  <tr data-version="checked">
                    <th>spec version</th>
                    <td>
                      <Link to={mainDocPath(latest)}>{released ? released.label : shown.label}</Link>
                      {released ? ' (newest release)' : ''}
                    </td>
                  </tr>
                  {working && current && (
                    <tr data-version="working">
                      <th>working copy</th>
                      <td>
                        <Link to={mainDocPath(current)}>{working.label}</Link> (unreleased:{' '}
                        {working.summary.passed} of{' '}
                        {plural(working.summary.passed + working.summary.failed, 'run')} behaved as specified;{' '}
                        <Link to={coveragePath(working.path)}>coverage</Link>,{' '}
                        <Link to={matrixPath(working.path)}>implementations</Link>)
                      </td>
                    </tr>
                  )}
                  <tr>
                    <th>clauses</th>
                    <td>
                      {summary.clauses} ({summary.checked} checked, {summary.unchecked} without check)
                    </td>
                  </tr>
                  <tr>
                    <th>examples</th>
                    <td>{summary.examples}</td>
                  </tr>
                  <tr>
                    <th>counterexamples</th>
                    <td>{summary.counterexamples}</td>
                  </tr>
                  <tr>
                    <th>failed runs</th>
                    <td>{summary.failed}</td>
                  </tr>
                  <tr>
                    <th>clauses no example exercises</th>
                    <td>{summary.unexercised}</td>
                  </tr>
                  <tr>
                    <th>retired IDs</th>
                    <td>{summary.retired}</td>
                  </tr>
                  <tr>
                    <th>engines</th>
                    <td>{summary.engines.join(', ') || 'none'}</td>
                  </tr>
                </tbody>
              </table>
              <p className="kc-small">
                Every result on this site was produced by the build that published it.
              </p>
            </div>
          </div>
        </div>
      </main>
    </Layout>
  );
}
