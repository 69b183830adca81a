// A stage's `given` block: the world an example starts in, shown as written.

import React from 'react';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import CodeBlock from '@theme/CodeBlock';
import type { Stage } from '../model/types.ts';
import { parseData } from './data.ts';

export default function Given(props: { data: string | Stage }): React.ReactElement {
  const stage = parseData<Stage>(props.data);
  useBrokenLinks().collectAnchor(`stage-${stage.id}`);
  return (
    <section className="kc-given" id={`stage-${stage.id}`}>
      <header className="kc-example-head">
        <span className="kc-badge kc-given-kind">given</span>
        <strong>{stage.title}</strong>
        <span className="kc-stage">stage {stage.id}</span>
      </header>
      <CodeBlock language="yaml">{stage.given.replace(/\n$/, '')}</CodeBlock>
    </section>
  );
}
