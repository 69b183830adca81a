import { buildSystemCases } from '/work/wt/debugregs/test/support/differential/system.ts';
import { getEngine } from '/work/wt/debugregs/src/runner/engines.ts';
const which = process.argv[2]!;
const cases = [
  { id: 'state', title: '', source: 'nop\nmov %dr7,%rbx\nhlt', world: (w: any) => { w.state.dr7 = 0x401n; } },
  { id: 'state-dr0', title: '', source: 'mov $0x1234,%eax\nmov %rax,%dr0\nmov %dr7,%rbx\nhlt', world: (w: any) => { w.state.dr7 = 0x401n; } },
  { id: 'nobp', title: '', source: 'mov $0x700,%eax\nmov %rax,%dr7\nmov %dr7,%rbx\nhlt' },
  { id: 'bp-far', title: '', source: 'mov $0x300000,%eax\nmov %rax,%dr0\nmov $0x401,%eax\nmov %rax,%dr7\nmov %dr7,%rbx\nhlt' },
  { id: 'gd', title: '', source: 'mov $0x2400,%eax\nmov %rax,%dr7\nmov %dr7,%rbx\nhlt' },
  { id: 'w', title: '', source: 'mov $0x555513ff,%eax\nmov %rax,%dr7\nmov %dr7,%rbx\nhlt' },
  { id: 'bphit', title: '', source: 'lea 1f(%rip),%rax\nmov %rax,%dr0\nmov $0x401,%eax\nmov %rax,%dr7\nnop\n1: nop\nhlt' },
  { id: 'bphit-state', title: '', source: 'nop\nnop\nhlt', world: (w: any) => { w.state.dr7 = 0x401n; w.state.dr0 = 0x100001n; } },
].filter((c) => c.id === which);
const built = await buildSystemCases(cases);
for (const b of built) {
  for (const n of process.argv.slice(3)) {
    const e = await getEngine(n as never);
    const r = await e.run(structuredClone(b.world));
    const s = r.state;
    console.log(b.id.padEnd(6), e.name.padEnd(7), r.stop.reason, r.stop.vector ?? '', r.stop.rip.toString(16), 'rbx', s.gpr.rbx.toString(16), 'dr0', s.dr0.toString(16), 'dr6', s.dr6.toString(16), 'dr7', s.dr7.toString(16), r.stop.reason==='hlt'?'':r.stop.message);
  }
}
