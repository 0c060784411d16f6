// The analysis step that keeps actor profiles (threats/actor-stats.ts), one per actor and host,
// and hands the runner the rows that changed in a batch. Memory is bounded: the least recently
// active profiles are dropped first (they stay in the store and come back if the actor returns
// within the resume window).
import type { Transaction } from '../wire/transaction.ts';
import type { ActorRecord } from '../store/store.ts';
import type { Actor } from './threats/actors.ts';
import { botScore, newActorStats, observeActor, type ActorStats } from './threats/actor-stats.ts';
import { makeRoom } from './bounded-map.ts';
import { hashedId } from './recent-memo.ts';

const MAX_PROFILES = 200_000;
/** Profiles active within this time are reloaded when an analyzer starts. */
export const ACTOR_RESUME_MS = 24 * 3600_000;

export function actorRowId(actor: string, host: string): string {
  return hashedId(`${actor}\n${host}`);
}

export class ActorProfiles {
  private readonly profiles = new Map<string, ActorStats>();
  private readonly dirty = new Set<string>();

  static restore(rows: ActorRecord[]): ActorProfiles {
    const p = new ActorProfiles();
    for (const r of rows) {
      const stats = (r.detail as { stats?: ActorStats }).stats;
      if (stats) p.profiles.set(r.id, stats);
    }
    return p;
  }

  /** Adds the call to the actor's profile on this host, and returns the profile. */
  observe(actor: Actor, host: string, t: Transaction, endpointId: string, at: number, admin = false): ActorStats {
    const id = actorRowId(actor.id, host);
    let s = this.profiles.get(id);
    if (s) this.profiles.delete(id); // re-inserted: the map's order is least recently active first
    else {
      makeRoom(this.profiles, MAX_PROFILES);
      s = newActorStats(actor, host);
    }
    this.profiles.set(id, s);
    observeActor(s, t, endpointId, at, admin);
    this.dirty.add(id);
    return s;
  }

  /** Counts a behaviour finding against an actor (it weighs in the bot score). */
  flag(actor: string, host: string, type: string): void {
    const id = actorRowId(actor, host);
    const s = this.profiles.get(id);
    if (!s) return;
    s.flags[type] = (s.flags[type] ?? 0) + 1;
    this.dirty.add(id);
  }

  takeChanges(): ActorRecord[] {
    const rows: ActorRecord[] = [];
    for (const id of this.dirty) {
      const s = this.profiles.get(id);
      if (!s) continue;
      const verdict = botScore(s);
      rows.push({ id, actor: s.actor, host: s.host, kind: s.kind, label: s.label, firstSeen: s.firstSeen, lastSeen: s.lastSeen, calls: s.calls, errors: s.errors, botScore: verdict.score, detail: { stats: s, reasons: verdict.reasons } });
    }
    this.dirty.clear();
    return rows;
  }
}
