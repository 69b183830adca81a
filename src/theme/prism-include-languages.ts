// Docusaurus's hook for adding Prism languages (replaces the theme's, which only loads
// themeConfig.prism.additionalLanguages; this site configures none). We add GNU as, AT&T syntax.
import type { PrismLib } from 'prism-react-renderer';
import { registerGas } from '../components/prism-gas.ts';

export default function prismIncludeLanguages(PrismObject: PrismLib): void {
  registerGas(PrismObject);
}
