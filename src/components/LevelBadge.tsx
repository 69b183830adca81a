import React from 'react';
import { levelLabel } from '../model/cite.ts';
import type { Level } from '../model/types.ts';

/** The clause level, styled per level (colour and weight), e.g. MUST NOT. */
export default function LevelBadge({ level }: { level: Level }): React.ReactElement {
  return <span className={`kc-badge kc-level kc-level-${level}`}>{levelLabel(level)}</span>;
}

/** pass / fail badge; `intended` marks a counterexample failing the clause it names. */
export function VerdictBadge({ held, intended }: { held: boolean; intended?: boolean }): React.ReactElement {
  if (held) return <span className="kc-badge kc-pass">pass</span>;
  return (
    <span className={`kc-badge ${intended ? 'kc-fail-intended' : 'kc-fail'}`}>
      {intended ? 'fails as intended' : 'fail'}
    </span>
  );
}
