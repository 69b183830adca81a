import { describe, expect, it } from 'vitest';
import { linkCommits, linkSources } from '../src/components/site/sources.ts';

describe('matrix source links', () => {
  it('links owner/repo@commit to the commit and keeps the words around it', () => {
    expect(
      linkCommits('torvalds/linux@0401bbf5; 4.14/4.15 from kernelorg-mirror/kees_linux@eabbd632'),
    ).toEqual([
      { text: 'torvalds/linux@0401bbf5', href: 'https://github.com/torvalds/linux/commit/0401bbf5' },
      '; 4.14/4.15 from ',
      {
        text: 'kernelorg-mirror/kees_linux@eabbd632',
        href: 'https://github.com/kernelorg-mirror/kees_linux/commit/eabbd632',
      },
    ]);
    expect(linkCommits('upstream 786a45757dcd (6.18 stable review)')).toEqual([
      'upstream 786a45757dcd (6.18 stable review)',
    ]);
  });

  it('links each source file at the first commit the version names', () => {
    expect(
      linkSources(
        'arch/x86/kernel/relocate_kernel_64.S, arch/x86/kernel/machine_kexec_64.c',
        'torvalds/linux@0401bbf5; other/repo@abcdef12',
      ),
    ).toEqual([
      {
        text: 'arch/x86/kernel/relocate_kernel_64.S',
        href: 'https://github.com/torvalds/linux/blob/0401bbf5/arch/x86/kernel/relocate_kernel_64.S',
      },
      ', ',
      {
        text: 'arch/x86/kernel/machine_kexec_64.c',
        href: 'https://github.com/torvalds/linux/blob/0401bbf5/arch/x86/kernel/machine_kexec_64.c',
      },
    ]);
    expect(linkSources('arch/x86/kernel/relocate_kernel_64.S', 'upstream 786a45757dcd')).toEqual([
      'arch/x86/kernel/relocate_kernel_64.S',
    ]);
  });
});
