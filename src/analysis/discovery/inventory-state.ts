// Inventory states (DESIGN.md, "Concepts"), decided from an application's uploaded specs and
// the traffic of its hosts, each with the evidence behind it:
//   documented  in the newest spec, seen in traffic within the window
//   orphan      in the newest spec, no traffic within the window
//   shadow      traffic of a host whose application has a spec, in no version of it
//   zombie      traffic to an operation deprecated in the newest spec, or found only in an
//               older version of it
//   unknown     no spec covers the host
// Pure: endpoints and spec summaries in, states out.
import type { SpecOperation, SpecSummary } from './openapi-document.ts';

export type InventoryState = 'documented' | 'orphan' | 'shadow' | 'zombie' | 'unknown';

/** An endpoint with no traffic for this long counts as not seen (orphan, when documented). */
export const INVENTORY_WINDOW_MS = 30 * 86_400_000;

export interface SpecVersion {
  id: string;
  uploadedAt: number;
  summary: SpecSummary;
}

export interface StateEvidence {
  state: InventoryState;
  /** Why, in words a person can check. */
  reason: string;
  /** The spec version and operation that decided it, when one did. */
  specId?: string;
  specVersion?: string;
  operation?: { method: string; path: string; operationId: string | null; deprecated: boolean };
}

const PARAM = /\{[^}]*\}/g;

/** Whether a spec path (`/users/{id}`) covers an endpoint template (`/users/{userId}` or `/users/me`). */
export function specPathMatches(specPath: string, template: string): boolean {
  const a = specPath.split('/');
  const b = template.split('/');
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const s = a[i]!;
    const t = b[i]!;
    if (/^\{[^}]*\}$/.test(s)) continue; // a whole-segment parameter takes any value, literal or not
    if (s.replace(PARAM, '{}') !== t.replace(PARAM, '{}')) return false;
  }
  return true;
}

/** The spec's operation for (method, template): an exact path beats a parameterized one. */
export function findOperation(spec: SpecSummary, method: string, template: string): SpecOperation | null {
  const m = method.toUpperCase();
  let best: SpecOperation | null = null;
  let bestParams = Infinity;
  for (const op of spec.operations) {
    if (op.method !== m || !specPathMatches(op.path, template)) continue;
    const params = (op.path.match(PARAM) ?? []).length;
    if (params < bestParams) {
      best = op;
      bestParams = params;
    }
  }
  return best;
}

const describe = (op: SpecOperation) => ({ method: op.method, path: op.path, operationId: op.operationId, deprecated: op.deprecated });

/**
 * The state of an endpoint seen in traffic. `specs` are its application's versions, newest first
 * (empty: the host is not covered); `windowStart` is the oldest last-seen time that still counts
 * as traffic in the window.
 */
export function endpointState(endpoint: { method: string; pathTemplate: string; lastSeen: number }, specs: SpecVersion[], windowStart: number): StateEvidence {
  if (specs.length === 0) return { state: 'unknown', reason: 'no spec has been uploaded for the application of this host' };
  const [newest, ...older] = specs as [SpecVersion, ...SpecVersion[]];
  const op = findOperation(newest.summary, endpoint.method, endpoint.pathTemplate);
  const version = { specId: newest.id, specVersion: newest.summary.version };
  if (op) {
    const inWindow = endpoint.lastSeen >= windowStart;
    if (op.deprecated && inWindow) return { state: 'zombie', reason: `deprecated in the newest spec (${newest.summary.version}) yet still called`, ...version, operation: describe(op) };
    if (!inWindow) return { state: 'orphan', reason: 'in the newest spec, no traffic within the window', ...version, operation: describe(op) };
    return { state: 'documented', reason: `in the newest spec (${newest.summary.version}) and seen in traffic`, ...version, operation: describe(op) };
  }
  for (const spec of older) {
    const old = findOperation(spec.summary, endpoint.method, endpoint.pathTemplate);
    if (old) {
      return {
        state: 'zombie',
        reason: `only in an older spec version (${spec.summary.version}), removed from the newest (${newest.summary.version}), yet still called`,
        specId: spec.id,
        specVersion: spec.summary.version,
        operation: describe(old),
      };
    }
  }
  return { state: 'shadow', reason: `not in any uploaded spec of this application (newest: ${newest.summary.version})`, ...version };
}

/** Operations of the newest spec that no endpoint seen within the window matches. */
export function orphanOperations(specs: SpecVersion[], endpoints: Array<{ method: string; pathTemplate: string; lastSeen: number }>, windowStart: number): SpecOperation[] {
  if (specs.length === 0) return [];
  const recent = endpoints.filter((e) => e.lastSeen >= windowStart);
  return specs[0]!.summary.operations.filter((op) => !recent.some((e) => e.method.toUpperCase() === op.method && specPathMatches(op.path, e.pathTemplate)));
}
