// Threat analyzers: pure functions over values and transactions (DESIGN.md: no I/O here).
export { detectInjection, detectInLayers, INJECTION_KINDS, INJECTION_THRESHOLD, MAX_SCAN_CHARS, FRAGMENT_MAX } from './injection.ts';
export type { InjectionKind, InjectionMatch, InjectionWhere, DetectOptions, ValueLocation } from './injection.ts';
export { scanRequestValues } from './scan.ts';
export type { RequestInjection, ScanRequestOptions } from './scan.ts';
