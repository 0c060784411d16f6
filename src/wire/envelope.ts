// What the edge appends to the log for each accepted transaction: the item as the capture sent it
// (Edge format) plus what the edge knew when it accepted it. Consumers decode it with wire/.
import { decodeEdgeTransaction, type EdgeTransaction } from './edge-format.ts';
import type { ClientIpOptions } from './client-ip.ts';
import type { Transaction } from './transaction.ts';

export interface Envelope {
  clientId: string;
  /** Receive time at the edge, ms since the epoch. */
  receivedAt: number;
  id: string;
  idGenerated: boolean;
  item: EdgeTransaction;
}

/**
 * Serializes an envelope. `itemJson`, when given, is the item's JSON text exactly as received,
 * which saves re-serializing a single-transaction body on the hot path.
 */
export function encodeEnvelope(e: Omit<Envelope, 'item'>, item: EdgeTransaction, itemJson?: string): string {
  const head = JSON.stringify({ clientId: e.clientId, receivedAt: e.receivedAt, id: e.id, idGenerated: e.idGenerated });
  return `${head.slice(0, -1)},"item":${itemJson ?? JSON.stringify(item)}}`;
}

export function decodeEnvelope(text: string): Envelope {
  return JSON.parse(text) as Envelope;
}

export interface LoggedTransaction {
  clientId: string;
  receivedAt: number;
  transaction: Transaction;
}

export function envelopeToTransaction(text: string, clientIp?: ClientIpOptions): LoggedTransaction {
  return envelopeTransaction(decodeEnvelope(text), clientIp);
}

/**
 * The request host of a captured item, lower-cased (the Host, else the server address): what
 * analysis keys a host's state by, and so what a partitioned log and analysis threads split by.
 * Read from the item as captured, without decoding the rest of it.
 */
export function requestHost(item: EdgeTransaction): string {
  return (item.request.host ?? item.request.connection['server-ip']).toLowerCase();
}

/** The transaction an envelope carries, decoded. */
export function envelopeTransaction(e: Envelope, clientIp?: ClientIpOptions): LoggedTransaction {
  const transaction = decodeEdgeTransaction(e.item, {
    id: e.id,
    idGenerated: e.idGenerated,
    receivedAt: e.receivedAt,
    clientIp,
  });
  return { clientId: e.clientId, receivedAt: e.receivedAt, transaction };
}
