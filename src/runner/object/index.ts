// Relocatable objects as input: read an ET_REL object, link it into a flat image the way an
// implementation's linker script lays it out, or build one from a `.S` first.

export { readObject, symbolName, ObjectError } from './read.ts';
export type { RelObject } from './read.ts';
export { linkObject, nearestLine, LinkError } from './link.ts';
export type { Layout, LayoutRule, LinkOptions, LinkedObject, PlacedSection, SourceLine } from './link.ts';
export { applyRelocation, relocationName, RelocationError, RELOCATION_KINDS } from './relocate.ts';
export { assembleSource } from './source.ts';
export type { BuiltObject, SourceDiagnostic, SourceOptions } from './source.ts';
