// A bounded memo of recent results of a hash-based function of a string: a mask or a fingerprint
// under the installation's key, an id hashed from an endpoint's or an actor's name. Traffic repeats
// the same few values over and over: a client's bearer token or session cookie on each of its
// calls, the same customer's e-mail address in every response about them, the same endpoints.
// Hashing each value once instead of once per transaction took about a sixth off analysis's cost per
// transaction (bench/mask, bench/pipeline). The raw values it keys on are in memory only, as the
// batch of raw transactions being analysed is, and only a bounded number of them.
import { hash } from 'node:crypto';
import { makeRoom } from './bounded-map.ts';

/** Values remembered per memo. */
const MAX_ENTRIES = 1024;
/**
 * Longer values are not remembered (a private key block, a large token): computed each time. With
 * results no longer than their values, a memo holds at most about 2 MB of text.
 */
const MAX_VALUE_CHARS = 1024;

/** `compute`, remembering the results for the most recently computed values. */
export function memoized(compute: (value: string) => string): (value: string) => string {
  const memo = new Map<string, string>();
  return (value) => {
    let result = memo.get(value);
    if (result === undefined) {
      result = compute(value);
      if (value.length <= MAX_VALUE_CHARS) {
        makeRoom(memo, MAX_ENTRIES);
        memo.set(value, result);
      }
    }
    return result;
  };
}

/** A keyed function with a memo per key (an installation's key, a data type: a bounded set). */
export function memoizedPerKey(compute: (key: string, value: string) => string): (key: string, value: string) => string {
  const memos = new Map<string, (value: string) => string>();
  return (key, value) => {
    let f = memos.get(key);
    if (!f) {
      makeRoom(memos, 256);
      memos.set(key, (f = memoized((v) => compute(key, v))));
    }
    return f(value);
  };
}

/** A 22-character id hashed from a name (an endpoint's, an actor's on a host), remembered for recent names. */
export const hashedId = memoized((name) => hash('sha256', name, 'base64url').slice(0, 22));
