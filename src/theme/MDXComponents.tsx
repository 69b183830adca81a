// The elements the remark plugin emits (<Clause>, <Example>, <Given>) are available in every MDX page.
import MDXComponents from '@theme-original/MDXComponents';
import Clause from '../components/Clause.tsx';
import Example from '../components/Example.tsx';
import Given from '../components/Given.tsx';

export default { ...MDXComponents, Clause, Example, Given };
