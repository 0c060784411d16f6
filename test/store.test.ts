// The store conformance suite, written once and run against both adapters: SQLite (a temporary
// directory) and PostgreSQL (a fresh schema per test in the database of TAPLINE_TEST_POSTGRES_URL,
// default postgres://postgres@127.0.0.1:5432/test; every schema of the run is dropped at the end).
// Without a reachable PostgreSQL the PostgreSQL part is skipped with the reason, except in CI
// (CI or TAPLINE_TEST_REQUIRE_POSTGRES set), where that is a failure.
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS as SQLITE_MIGRATIONS, SqliteStore } from '../src/store/sqlite-store.ts';
import { MIGRATIONS as POSTGRES_MIGRATIONS, PostgresStore, POSTGRES_SCHEMA_VERSION } from '../src/store/postgres-store.ts';
import { findingId, type FindingObservation } from '../src/store/findings.ts';
import type {
  AnalysisCommit,
  ApplicationRecord,
  ClientRecord,
  EndpointRecord,
  SigningKeyRecord,
  SpecRecord,
  Store,
  StoredTransaction,
  UserRecord,
} from '../src/store/store.ts';
import { tempDir } from './helpers.ts';

type OpenStore = () => Promise<Store & { close(): Promise<void> }>;

/** A whole multiple of two minutes, so minute buckets start at T0. */
const T0 = 1_699_999_920_000;
const MIN = 60_000;

function client(clientId: string, over: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId,
    uid: `uid-${clientId}`,
    secretHash: `hash-${clientId}`,
    trafficIngestion: true,
    tokenLifespan: 3600,
    createdAt: T0,
    updatedAt: T0,
    lastTokenAt: null,
    lastTransactionAt: null,
    tokensIssued: 0,
    transactionsAccepted: 0,
    ...over,
  };
}

function txn(id: string, over: Partial<StoredTransaction> = {}): StoredTransaction {
  return {
    clientId: 'c1',
    transactionId: id,
    receivedAt: T0,
    timestamp: T0 - 5,
    method: 'GET',
    uri: `/items/${id}?q=1`,
    host: 'api.example',
    status: 200,
    clientIp: '192.0.2.1',
    clientIpRule: 'socket',
    sourceType: 'apim',
    // Key order, NUL characters and non-ASCII must survive the round trip.
    detail: { z: 1, a: { headers: [['X-B', '1'], ['x-a', '2']] }, body: 'nul:\u0000 é ✓', n: null },
    ...over,
  };
}

function user(username: string, over: Partial<UserRecord> = {}): UserRecord {
  return { username, passwordHash: `ph-${username}`, role: 'viewer', createdAt: T0, updatedAt: T0, lastLoginAt: null, ...over };
}

function endpoint(id: string, over: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id,
    host: 'api.example',
    method: 'GET',
    pathTemplate: `/${id}`,
    provenance: 'inferred',
    calls: 1,
    firstSeen: T0,
    lastSeen: T0,
    sensitiveTypes: [],
    detail: { params: [] },
    ...over,
  };
}

function commit(consumer: string, seq: number, over: Partial<AnalysisCommit> = {}): AnalysisCommit {
  return { consumer, seq, transactions: [], endpoints: [], removedEndpoints: [], state: [], ...over };
}

function withoutRowId(t: StoredTransaction | null): StoredTransaction | null {
  if (t === null) return null;
  const { rowId: _rowId, ...rest } = t as StoredTransaction & { rowId?: number };
  return rest;
}

export function storeSuite(name: string, open: OpenStore, skip: string | false = false): void {
  describe(name, { skip }, () => {
    let store: Store & { close(): Promise<void> };
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    // ---- clients

    test('clients: create, get, list in byte order, duplicates refused; every change bumps clients_version', async () => {
      assert.equal(await store.clientsVersion(), 0);
      assert.equal(await store.getSetting('clients_version'), '0');
      assert.equal(await store.createClient(client('beta')), true);
      assert.equal(await store.clientsVersion(), 1);
      assert.equal(await store.createClient(client('beta', { uid: 'other' })), false);
      assert.equal(await store.clientsVersion(), 1, 'a refused create does not bump');
      assert.equal(await store.createClient(client('Alpha', { trafficIngestion: false })), true);
      assert.equal(await store.createClient(client('alpha')), true, 'client ids are case-sensitive');
      assert.deepEqual(await store.getClient('beta'), client('beta'));
      assert.deepEqual(await store.getClient('Alpha'), client('Alpha', { trafficIngestion: false }));
      assert.equal(await store.getClient('BETA'), null);
      assert.equal(await store.getClient('nobody'), null);
      assert.deepEqual((await store.listClients()).map((c) => c.clientId), ['Alpha', 'alpha', 'beta']);
      assert.equal(await store.clientsVersion(), 3);
    });

    test('clients: update (toggle, lifespan, secret rotation), delete; unknown ids change nothing', async () => {
      await store.createClient(client('c1'));
      const v0 = await store.clientsVersion();
      const before = Date.now();
      const off = await store.updateClient('c1', { trafficIngestion: false });
      assert.ok(off);
      assert.equal(off.trafficIngestion, false);
      assert.equal(off.tokenLifespan, 3600);
      assert.equal(off.secretHash, 'hash-c1');
      assert.ok(off.updatedAt >= before && off.updatedAt <= Date.now());
      assert.equal(off.createdAt, T0);
      assert.equal(await store.clientsVersion(), v0 + 1);
      const rotated = await store.updateClient('c1', { secretHash: 'new-hash', tokenLifespan: 60 });
      assert.deepEqual(rotated, { ...off, secretHash: 'new-hash', tokenLifespan: 60, updatedAt: rotated!.updatedAt });
      assert.deepEqual(await store.getClient('c1'), rotated);
      assert.equal(await store.clientsVersion(), v0 + 2);
      const on = await store.updateClient('c1', { trafficIngestion: true });
      assert.equal(on!.trafficIngestion, true);
      assert.equal(on!.secretHash, 'new-hash');
      assert.equal(await store.updateClient('nobody', { trafficIngestion: false }), null);
      assert.equal(await store.clientsVersion(), v0 + 3, 'no bump for an unknown client');
      assert.equal(await store.deleteClient('c1'), true);
      assert.equal(await store.clientsVersion(), v0 + 4);
      assert.equal(await store.deleteClient('c1'), false);
      assert.equal(await store.clientsVersion(), v0 + 4);
      assert.equal(await store.getClient('c1'), null);
      // A re-created name is a new incarnation.
      assert.equal(await store.createClient(client('c1', { uid: 'second' })), true);
      assert.equal((await store.getClient('c1'))!.uid, 'second');
    });

    test('clients: activity counters add up, last times never go back, concurrent calls are all counted', async () => {
      await store.createClient(client('c1'));
      await store.recordClientActivity('c1', { tokenAt: T0 + 10 });
      await store.recordClientActivity('c1', { transactionAt: T0 + 20, transactions: 5 });
      await store.recordClientActivity('c1', { tokenAt: T0 + 5, transactionAt: T0 + 1, transactions: 2 });
      await store.recordClientActivity('c1', {});
      let c = (await store.getClient('c1'))!;
      assert.equal(c.lastTokenAt, T0 + 10);
      assert.equal(c.tokensIssued, 2);
      assert.equal(c.lastTransactionAt, T0 + 20);
      assert.equal(c.transactionsAccepted, 7);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.recordClientActivity('c1', { tokenAt: T0 + 100 + i, transactions: 1 })));
      c = (await store.getClient('c1'))!;
      assert.equal(c.tokensIssued, 22);
      assert.equal(c.transactionsAccepted, 27);
      assert.equal(c.lastTokenAt, T0 + 119);
      await store.recordClientActivity('nobody', { tokenAt: T0, transactions: 1 });
      assert.equal(await store.getClient('nobody'), null);
      assert.equal(await store.clientsVersion(), 1, 'activity is not a change of the client');
    });

    // ---- signing keys

    test('signing keys: a new key retires the others, which verify until their deadline and are then removed', async () => {
      const key = (kid: string, createdAt: number): SigningKeyRecord => ({
        kid, alg: 'ES256', privateJwk: `{"d":"${kid}"}`, publicJwk: `{"x":"${kid}"}`, createdAt, retiredAt: null, verifyUntil: null,
      });
      assert.deepEqual(await store.listSigningKeys(), []);
      await store.addSigningKey(key('k1', T0), T0 + 1000);
      assert.deepEqual(await store.listSigningKeys(), [key('k1', T0)]);
      await store.addSigningKey(key('k2', T0 + 500), T0 + 2000);
      assert.deepEqual(await store.listSigningKeys(), [
        { ...key('k1', T0), retiredAt: T0 + 500, verifyUntil: T0 + 2000 },
        key('k2', T0 + 500),
      ]);
      // k1's deadline has passed when k3 arrives: it goes; k2 is retired.
      await store.addSigningKey(key('k3', T0 + 3000), T0 + 9000);
      assert.deepEqual(await store.listSigningKeys(), [
        { ...key('k2', T0 + 500), retiredAt: T0 + 3000, verifyUntil: T0 + 9000 },
        key('k3', T0 + 3000),
      ]);
    });

    // ---- applications and specs

    test('applications: create, duplicates (id or name) refused, list by name, update, rename onto a taken name, delete', async () => {
      const app = (id: string, name: string, hosts: string[]): ApplicationRecord => ({ id, name, hosts, createdAt: T0, updatedAt: T0 });
      assert.equal(await store.createApplication(app('a1', 'shop', ['api.shop.example', '*.shop.example:8443'])), true);
      assert.equal(await store.createApplication(app('a2', 'Billing', [])), true);
      assert.equal(await store.createApplication(app('a1', 'other', [])), false, 'same id');
      assert.equal(await store.createApplication(app('a3', 'shop', [])), false, 'same name');
      assert.deepEqual(await store.getApplication('a1'), app('a1', 'shop', ['api.shop.example', '*.shop.example:8443']));
      assert.equal(await store.getApplication('a3'), null);
      assert.deepEqual((await store.listApplications()).map((a) => a.name), ['Billing', 'shop']);

      const renamed = await store.updateApplication('a1', { name: 'store' });
      assert.equal(renamed!.name, 'store');
      assert.deepEqual(renamed!.hosts, ['api.shop.example', '*.shop.example:8443']);
      assert.ok(renamed!.updatedAt > T0);
      assert.equal(renamed!.createdAt, T0);
      const rehosted = await store.updateApplication('a1', { hosts: ['b.example'] });
      assert.deepEqual(rehosted, { ...renamed!, hosts: ['b.example'], updatedAt: rehosted!.updatedAt });
      assert.deepEqual(await store.getApplication('a1'), rehosted);
      assert.equal(await store.updateApplication('nope', { name: 'x' }), null);
      // The console turns this error into a 409 by its message.
      await assert.rejects(store.updateApplication('a2', { name: 'store' }), /UNIQUE/);
      assert.equal((await store.getApplication('a2'))!.name, 'Billing');

      assert.equal(await store.deleteApplication('a2'), true);
      assert.equal(await store.deleteApplication('a2'), false);
      assert.deepEqual((await store.listApplications()).map((a) => a.id), ['a1']);
    });

    test('specs: newest first without documents, per application, documents round-trip in key order; deleting an application deletes its specs', async () => {
      await store.createApplication({ id: 'a1', name: 'one', hosts: [], createdAt: T0, updatedAt: T0 });
      await store.createApplication({ id: 'a2', name: 'two', hosts: [], createdAt: T0, updatedAt: T0 });
      const spec = (id: string, applicationId: string, uploadedAt: number): SpecRecord => ({
        id, applicationId, title: `T ${id}`, version: '1.0', openapiVersion: '3.0.3', operations: 2, uploadedAt,
        document: { openapi: '3.0.3', info: { title: `T ${id}`, version: '1.0' }, paths: { '/z': {}, '/a': { get: {} }, '/m': {} } },
      });
      await store.addSpec(spec('s1', 'a1', T0));
      await store.addSpec(spec('s3', 'a1', T0 + 10));
      await store.addSpec(spec('s2', 'a1', T0 + 10));
      await store.addSpec(spec('s4', 'a2', T0 + 5));
      const info = ({ document: _d, ...rest }: SpecRecord) => rest;
      assert.deepEqual(await store.listSpecs(), [spec('s2', 'a1', T0 + 10), spec('s3', 'a1', T0 + 10), spec('s4', 'a2', T0 + 5), spec('s1', 'a1', T0)].map(info));
      assert.deepEqual((await store.listSpecs('a1')).map((s) => s.id), ['s2', 's3', 's1']);
      assert.deepEqual(await store.listSpecs('none'), []);
      const got = await store.getSpec('s1');
      assert.deepEqual(got, spec('s1', 'a1', T0));
      assert.deepEqual(Object.keys((got!.document as { paths: object }).paths), ['/z', '/a', '/m']);
      assert.equal(await store.getSpec('nope'), null);
      await assert.rejects(store.addSpec(spec('s1', 'a2', T0)), 'a spec id is unique');

      assert.equal(await store.deleteSpec('s3'), true);
      assert.equal(await store.deleteSpec('s3'), false);
      assert.equal(await store.deleteApplication('a1'), true);
      assert.deepEqual((await store.listSpecs()).map((s) => s.id), ['s4']);
      assert.equal(await store.getSpec('s1'), null);
    });

    // ---- transactions

    test('transactions: a redelivered (client, transaction id) is stored once; the same id of another client is another row', async () => {
      await store.insertTransactions([]);
      await store.insertTransactions([txn('t1'), txn('t2', { receivedAt: T0 + 1 })]);
      await store.insertTransactions([txn('t2', { uri: '/changed' }), txn('t3', { receivedAt: T0 + 2 }), txn('t3'), txn('t1', { clientId: 'c2' })]);
      const rows = await store.queryTransactions({ limit: 100 });
      assert.deepEqual(rows.map((r) => `${r.clientId}/${r.transactionId}`), ['c2/t1', 'c1/t3', 'c1/t2', 'c1/t1']);
      assert.ok(rows[0]!.rowId > rows[1]!.rowId && rows[1]!.rowId > rows[2]!.rowId && rows[2]!.rowId > rows[3]!.rowId);
      assert.equal(rows[2]!.uri, '/items/t2?q=1', 'the first delivery is kept');
      assert.equal(rows[1]!.receivedAt, T0 + 2, 'within one batch the first one wins');
      assert.deepEqual(withoutRowId(rows[3]!), txn('t1'));
    });

    test('transactions: nulls and fractional capture times are stored as SQLite does', async () => {
      await store.insertTransactions([txn('n', { host: null, status: null, sourceType: null, timestamp: T0 + 0.6, detail: {} })]);
      const got = await store.getTransaction('n');
      assert.deepEqual(got && withoutRowId(got), txn('n', { host: null, status: null, sourceType: null, timestamp: T0 + 1, detail: {} }));
    });

    test('transactions: a large batch is stored whole, in order, and redelivered without duplicates', async () => {
      const batch = Array.from({ length: 2500 }, (_, i) => txn(`b${i}`, { receivedAt: T0 + i }));
      await store.insertTransactions(batch);
      await store.insertTransactions(batch.slice(1000, 2200));
      const rows = await store.queryTransactions({ limit: 5000 });
      assert.equal(rows.length, 2500);
      assert.deepEqual(rows.map((r) => r.transactionId), batch.map((t) => t.transactionId).reverse());
    });

    test('transactions: a NUL character in captured text does not fail the batch', async () => {
      await store.insertTransactions([txn('nul', { uri: '/a\u0000b', host: 'h\u0000', detail: { body: '\u0000' } }), txn('ok')]);
      const got = (await store.getTransaction('nul'))!;
      // SQLite keeps it; PostgreSQL text cannot hold it and keeps U+FFFD instead. JSON keeps it in both.
      assert.ok(got.uri === '/a\u0000b' || got.uri === '/a\uFFFDb', JSON.stringify(got.uri));
      assert.ok(got.host === 'h\u0000' || got.host === 'h\uFFFD', JSON.stringify(got.host));
      assert.deepEqual(got.detail, { body: '\u0000' });
      assert.ok(await store.getTransaction('ok'));
      await store.addIngestionStats([{ clientId: 'c1', sourceType: 'apim', outcome: 'invalid', count: 1, lastMessage: 'bad "\u0000"', lastSeen: T0 }]);
      assert.equal((await store.ingestionStats()).length, 1);
    });

    test('transactions: filters (host, hostsIn with null, method, status, client, since/until) and keyset paging', async () => {
      const rows: StoredTransaction[] = [
        txn('1', { host: 'a.example', method: 'GET', status: 200, receivedAt: T0 }),
        txn('2', { host: 'b.example', method: 'POST', status: 201, receivedAt: T0 + 1000 }),
        txn('3', { host: null, method: 'GET', status: null, receivedAt: T0 + 2000 }),
        txn('4', { host: 'a.example', method: 'DELETE', status: 404, receivedAt: T0 + 3000, clientId: 'c2' }),
        txn('5', { host: 'A.example', method: 'get', status: 500, receivedAt: T0 + 4000 }),
        txn('6', { host: 'a.example', method: 'GET', status: 200, receivedAt: T0 + 5000, clientId: 'c2' }),
      ];
      await store.insertTransactions(rows);
      const ids = async (q: Partial<Parameters<Store['queryTransactions']>[0]>) =>
        (await store.queryTransactions({ limit: 100, ...q })).map((r) => r.transactionId);
      assert.deepEqual(await ids({}), ['6', '5', '4', '3', '2', '1']);
      assert.deepEqual(await ids({ host: 'a.example' }), ['6', '4', '1'], 'hosts compare case-sensitively');
      assert.deepEqual(await ids({ hostsIn: ['b.example', null] }), ['3', '2']);
      assert.deepEqual(await ids({ hostsIn: [null] }), ['3']);
      assert.deepEqual(await ids({ hostsIn: ['a.example', 'A.example'] }), ['6', '5', '4', '1']);
      assert.deepEqual(await ids({ hostsIn: [] }), []);
      assert.deepEqual(await ids({ method: 'GET' }), ['6', '3', '1']);
      assert.deepEqual(await ids({ status: 200 }), ['6', '1']);
      assert.deepEqual(await ids({ clientId: 'c2' }), ['6', '4']);
      assert.deepEqual(await ids({ since: T0 + 2000 }), ['6', '5', '4', '3'], 'since is inclusive');
      assert.deepEqual(await ids({ until: T0 + 2000 }), ['2', '1'], 'until is exclusive');
      assert.deepEqual(await ids({ since: T0 + 1000, until: T0 + 4000, hostsIn: ['a.example', null] }), ['4', '3']);
      assert.deepEqual(await ids({ host: 'a.example', clientId: 'c2', method: 'GET' }), ['6']);
      assert.deepEqual(await ids({ host: 'nowhere' }), []);

      const page1 = await store.queryTransactions({ limit: 4 });
      assert.deepEqual(page1.map((r) => r.transactionId), ['6', '5', '4', '3']);
      const page2 = await store.queryTransactions({ limit: 4, before: page1.at(-1)!.rowId });
      assert.deepEqual(page2.map((r) => r.transactionId), ['2', '1']);
      assert.deepEqual(await store.queryTransactions({ limit: 4, before: page2.at(-1)!.rowId }), []);
      assert.deepEqual(await ids({ limit: 2, before: page1[1]!.rowId, host: 'a.example' }), ['4', '1']);
      assert.deepEqual(await ids({ limit: 0 }), []);
    });

    test('transactions: getTransaction (newest of an id across clients, or of one client) and distinctHosts', async () => {
      await store.insertTransactions([
        txn('x', { clientId: 'c1', uri: '/first', host: 'a.example' }),
        txn('x', { clientId: 'c2', uri: '/second', host: null }),
        txn('y', { clientId: 'c1', host: 'b.example' }),
        txn('z', { clientId: 'c1', host: 'a.example' }),
      ]);
      assert.equal((await store.getTransaction('x'))!.uri, '/second');
      assert.equal((await store.getTransaction('x', 'c1'))!.uri, '/first');
      assert.deepEqual(withoutRowId(await store.getTransaction('y', 'c1')), txn('y', { clientId: 'c1', host: 'b.example' }));
      assert.equal(await store.getTransaction('y', 'c2'), null);
      assert.equal(await store.getTransaction('nope'), null);
      const hosts = await store.distinctHosts();
      assert.equal(hosts.length, 3);
      assert.deepEqual(new Set(hosts), new Set(['a.example', 'b.example', null]));
    });

    test('transactions: prune by age, then keep only the newest maxCount', async () => {
      assert.equal(await store.pruneTransactions(10, T0), 0);
      await store.insertTransactions(Array.from({ length: 10 }, (_, i) => txn(`t${i}`, { receivedAt: T0 + i * 1000 })));
      assert.equal(await store.pruneTransactions(1000, T0 + 3000), 3, 'older than is exclusive');
      assert.equal(await store.pruneTransactions(4, 0), 3);
      assert.deepEqual((await store.queryTransactions({ limit: 100 })).map((r) => r.transactionId), ['t9', 't8', 't7', 't6']);
      assert.equal(await store.pruneTransactions(4, 0), 0);
      assert.equal(await store.pruneTransactions(2, T0 + 7000), 2, 'age and count together');
      assert.deepEqual((await store.queryTransactions({ limit: 100 })).map((r) => r.transactionId), ['t9', 't8']);
      assert.equal(await store.pruneTransactions(0, 0), 2);
      assert.deepEqual(await store.queryTransactions({ limit: 100 }), []);
      // Row ids are never reused: a pruned transaction redelivered later is a new, newer row.
      await store.insertTransactions([txn('t9', { receivedAt: T0 + 9000 })]);
      assert.equal((await store.queryTransactions({ limit: 100 })).length, 1);
    });

    // ---- analysis results

    test('analysis: a commit is atomic with its log position; a redelivered batch is skipped, nothing counted twice', async () => {
      assert.equal(await store.analysisProgress('w1'), 0);
      const first = commit('w1', 10, {
        transactions: [txn('t1'), txn('t2')],
        endpoints: [endpoint('e1', { calls: 2, sensitiveTypes: ['email'] }), endpoint('e2')],
        state: [['discovery:host:api.example', { nodes: 3, z: [1, 2] }], ['discovery:host:b.example', 'x']],
      });
      assert.equal(await store.commitAnalysis(first), true);
      assert.equal(await store.analysisProgress('w1'), 10);
      assert.equal(await store.analysisProgress('w2'), 0);
      // Redelivered (same or older position), even with other content: nothing is written.
      assert.equal(await store.commitAnalysis({ ...first, endpoints: [endpoint('e1', { calls: 4 })], transactions: [txn('t3')] }), false);
      assert.equal(await store.commitAnalysis(commit('w1', 9, { endpoints: [endpoint('e9')] })), false);
      assert.equal(await store.analysisProgress('w1'), 10);
      assert.deepEqual(await store.getEndpoint('e1'), endpoint('e1', { calls: 2, sensitiveTypes: ['email'] }));
      assert.equal(await store.getEndpoint('e9'), null);
      assert.deepEqual((await store.queryTransactions({ limit: 10 })).map((r) => r.transactionId), ['t2', 't1']);

      // The next batch: an already stored transaction is not stored again; endpoints are replaced or removed.
      assert.equal(await store.commitAnalysis(commit('w1', 20, {
        transactions: [txn('t2'), txn('t3')],
        endpoints: [endpoint('e1', { calls: 5, lastSeen: T0 + 9 }), endpoint('e3')],
        removedEndpoints: ['e2', 'never-existed'],
        state: [['discovery:host:api.example', { nodes: 4 }]],
      })), true);
      assert.equal(await store.analysisProgress('w1'), 20);
      assert.deepEqual((await store.queryTransactions({ limit: 10 })).map((r) => r.transactionId), ['t3', 't2', 't1']);
      assert.deepEqual(await store.allEndpoints(), [endpoint('e1', { calls: 5, lastSeen: T0 + 9 }), endpoint('e3')]);
      assert.deepEqual(await store.analysisState('discovery:host:'), [
        ['discovery:host:api.example', { nodes: 4 }],
        ['discovery:host:b.example', 'x'],
      ]);
      // Another consumer has its own position.
      assert.equal(await store.commitAnalysis(commit('w2', 5)), true);
      assert.equal(await store.analysisProgress('w2'), 5);
      assert.equal(await store.analysisProgress('w1'), 20);
    });

    test('analysis: redeliveries below the position (an out-of-order log) are applied without moving it', async () => {
      assert.equal(await store.commitAnalysis(commit('r1', 30, { transactions: [txn('r-a')] })), true);
      // JetStream redelivered an entry a killed analyzer held: its sequence is below 30.
      assert.equal(await store.commitAnalysis(commit('r1', 30, { transactions: [txn('r-b')], redeliveries: true })), true);
      assert.equal(await store.analysisProgress('r1'), 30);
      assert.ok(await store.getTransaction('r-b', 'c1'), 'the redelivered transaction is stored');
      // A position already passed is still refused, redeliveries or not (a stale process).
      assert.equal(await store.commitAnalysis(commit('r1', 29, { transactions: [txn('r-c')], redeliveries: true })), false);
      assert.equal(await store.getTransaction('r-c', 'c1'), null);
    });

    test('analysis: state by literal, case-sensitive prefix', async () => {
      await store.commitAnalysis(commit('w', 1, {
        state: [['a_b:1', 1], ['axb:2', 2], ['A_b:3', 3], ['a_b', 0], ['a%:4', 4], ['b:5', [5]]],
      }));
      assert.deepEqual(await store.analysisState('a_b'), [['a_b', 0], ['a_b:1', 1]]);
      assert.deepEqual(await store.analysisState('a%'), [['a%:4', 4]]);
      assert.deepEqual((await store.analysisState('')).map(([k]) => k), ['A_b:3', 'a%:4', 'a_b', 'a_b:1', 'axb:2', 'b:5']);
      assert.deepEqual(await store.analysisState('zzz'), []);
      // Exact keys only: no prefix match, no wildcard, absent keys left out, in key order.
      assert.deepEqual(await store.analysisStateOf(['b:5', 'a_b', 'a%', 'nope']), [['a_b', 0], ['b:5', [5]]]);
      assert.deepEqual(await store.analysisStateOf([]), []);
      // The most recently written first, at most the limit, within the prefix.
      await new Promise((resolve) => setTimeout(resolve, 5)); // a later write time
      await store.commitAnalysis(commit('w', 2, { state: [['a_b:1', 11]] }));
      const recent = await store.recentAnalysisState('a_b', 5);
      assert.deepEqual(recent[0], ['a_b:1', 11]);
      assert.deepEqual(recent.map(([k]) => k).sort(), ['a_b', 'a_b:1']);
      assert.deepEqual(await store.recentAnalysisState('a_b', 1), [['a_b:1', 11]]);
      assert.equal((await store.analysisStateOf(Array.from({ length: 1200 }, (_, i) => (i === 1100 ? 'axb:2' : `k${i}`)))).length, 1);
    });

    test('findings: folded per (type, endpoint, actor, subject) in the analysis commit; filters, status, reopen when seen again', async () => {
      const obs = (over: Partial<FindingObservation>): FindingObservation => ({
        type: 'SENSITIVE_DATA_IN_RESPONSE', owaspCategory: 'API3', severity: 'medium', endpointId: 'e1', actor: null,
        subject: 'response.body.email', summary: 'EMAIL in responses', evidence: { masked: 'a***@***.com' }, transactionId: 't1', at: 1000, ...over,
      });
      await store.commitAnalysis(commit('f', 1, { findings: [obs({}), obs({ transactionId: 't2', at: 2000 }), obs({ endpointId: 'e2', severity: 'high', owaspCategory: 'API2', type: 'UNAUTHENTICATED_DATA' })] }));
      // A redelivered batch changes nothing.
      assert.equal(await store.commitAnalysis(commit('f', 1, { findings: [obs({ at: 9999 })] })), false);
      let page = await store.listFindings({ limit: 10, offset: 0 });
      assert.equal(page.total, 2);
      const email = page.items.find((f) => f.endpointId === 'e1')!;
      assert.equal(email.id, findingId(obs({})));
      assert.equal(email.count, 2);
      assert.equal(email.firstSeen, 1000);
      assert.equal(email.lastSeen, 2000);
      assert.deepEqual(email.detail.transactionIds, ['t1', 't2']);
      assert.equal(email.status, 'open');
      assert.deepEqual((await store.listFindings({ category: 'API2', limit: 10, offset: 0 })).items.map((f) => f.endpointId), ['e2']);
      assert.deepEqual((await store.listFindings({ severity: 'high', status: 'open', limit: 10, offset: 0 })).total, 1);
      assert.equal((await store.listFindings({ endpointId: 'e1', type: 'SENSITIVE_DATA_IN_RESPONSE', limit: 10, offset: 0 })).total, 1);

      const resolved = await store.updateFindingStatus(email.id, 'resolved', 'masked in the API', 'user:ada');
      assert.equal(resolved!.status, 'resolved');
      assert.equal(resolved!.statusReason, 'masked in the API');
      assert.equal(await store.updateFindingStatus('nope', 'resolved', null, 'x'), null);
      await store.commitAnalysis(commit('f', 2, { findings: [obs({ transactionId: 't3', at: 3000, severity: 'critical' })] }));
      const again = (await store.getFinding(email.id))!;
      assert.equal(again.status, 'open', 'a resolved finding seen again is open again');
      assert.equal(again.statusReason, 'seen again after it was resolved');
      assert.equal(again.count, 3);
      assert.equal(again.severity, 'critical', 'severity only goes up');
      await store.updateFindingStatus(email.id, 'false_positive', 'test data', 'user:ada');
      await store.commitAnalysis(commit('f', 3, { findings: [obs({ at: 4000 })] }));
      assert.equal((await store.getFinding(email.id))!.status, 'false_positive', 'a false positive stays one');
      page = await store.listFindings({ limit: 1, offset: 1 });
      assert.equal(page.items.length, 1);
      assert.equal(page.total, 2);
    });

    test('actors: rows per (actor, host) upserted in the analysis commit; filters, sorts, recent rows', async () => {
      const row = (id: string, actor: string, host: string, botScore: number, calls: number, lastSeen: number) =>
        ({ id, actor, host, kind: 'ip', label: 'client IP', firstSeen: 1, lastSeen, calls, errors: 0, botScore, detail: { reasons: [`+${botScore} x`] } });
      await store.commitAnalysis(commit('a', 1, { actors: [row('r1', 'ip:1', 'h1', 80, 10, 100), row('r2', 'ip:2', 'h1', 10, 500, 200), row('r3', 'ip:1', 'h2', 20, 5, 300)] }));
      await store.commitAnalysis(commit('a', 2, { actors: [row('r2', 'ip:2', 'h1', 15, 600, 400)] }));
      const all = await store.listActors({ limit: 10, offset: 0 });
      assert.equal(all.total, 3);
      assert.deepEqual(all.items.map((r) => r.id), ['r1', 'r3', 'r2'], 'by score');
      assert.deepEqual((await store.listActors({ sort: 'calls', limit: 10, offset: 0 })).items.map((r) => r.id), ['r2', 'r1', 'r3']);
      assert.deepEqual((await store.listActors({ actor: 'ip:1', limit: 10, offset: 0 })).items.map((r) => r.host), ['h1', 'h2']);
      assert.deepEqual((await store.listActors({ host: 'h1', minScore: 50, limit: 10, offset: 0 })).items.map((r) => r.id), ['r1']);
      const r2 = (await store.listActors({ actor: 'ip:2', limit: 1, offset: 0 })).items[0]!;
      assert.equal(r2.calls, 600);
      assert.deepEqual(r2.detail, { reasons: ['+15 x'] });
      assert.deepEqual((await store.recentActors(250)).map((r) => r.id), ['r3', 'r2']);
    });

    test('actors: rows last seen before a time are pruned; newer ones stay', async () => {
      const row = (id: string, lastSeen: number) =>
        ({ id, actor: `ip:${id}`, host: 'h1', kind: 'ip', label: 'client IP', firstSeen: 1, lastSeen, calls: 1, errors: 0, botScore: 0, detail: {} });
      await store.commitAnalysis(commit('a', 1, { actors: [row('old', 100), row('edge', 200), row('new', 300)] }));
      assert.equal(await store.pruneActors(200), 1, 'before is exclusive');
      assert.deepEqual((await store.listActors({ sort: 'lastSeen', limit: 10, offset: 0 })).items.map((r) => r.id), ['new', 'edge']);
      assert.equal(await store.pruneActors(200), 0);
      // An actor seen again after its row was pruned gets a row again.
      await store.commitAnalysis(commit('a', 2, { actors: [row('old', 400)] }));
      assert.equal(await store.pruneActors(301), 2);
      assert.deepEqual((await store.listActors({ limit: 10, offset: 0 })).items.map((r) => r.id), ['old']);
    });

    test('discovery rules: added per host, listed oldest first (all or one host), deleted', async () => {
      await store.addDiscoveryRule({ id: 'r2', host: 'b.example', rule: { kind: 'ignore', pattern: '/health' }, createdAt: 2, createdBy: 'admin-token@127.0.0.1' });
      await store.addDiscoveryRule({ id: 'r1', host: 'a.example', rule: { kind: 'merge', template: '/users/{userId}' }, createdAt: 1, createdBy: 'user:ada@127.0.0.1' });
      await store.addDiscoveryRule({ id: 'r3', host: 'a.example', rule: { kind: 'rename', template: '/users/{a}', from: 'a', to: 'userId' }, createdAt: 3, createdBy: 'x' });
      assert.deepEqual((await store.listDiscoveryRules()).map((r) => r.id), ['r1', 'r2', 'r3']);
      const a = await store.listDiscoveryRules('a.example');
      assert.deepEqual(a.map((r) => r.id), ['r1', 'r3']);
      assert.deepEqual(a[0], { id: 'r1', host: 'a.example', rule: { kind: 'merge', template: '/users/{userId}' }, createdAt: 1, createdBy: 'user:ada@127.0.0.1' });
      assert.equal(await store.deleteDiscoveryRule('r1'), true);
      assert.equal(await store.deleteDiscoveryRule('r1'), false);
      assert.deepEqual((await store.listDiscoveryRules('a.example')).map((r) => r.id), ['r3']);
    });

    test('analysis: endpoints list with host, hosts, method filters, sorts, paging and total', async () => {
      await store.commitAnalysis(commit('w', 1, {
        endpoints: [
          endpoint('e1', { host: 'a.example', method: 'GET', pathTemplate: '/users', calls: 10, lastSeen: T0 + 1 }),
          endpoint('e2', { host: 'a.example', method: 'POST', pathTemplate: '/users', calls: 30, lastSeen: T0 + 3 }),
          endpoint('e3', { host: 'b.example', method: 'GET', pathTemplate: '/orders/{id}', calls: 20, lastSeen: T0 + 2 }),
          endpoint('e4', { host: 'a.example', method: 'GET', pathTemplate: '/items', calls: 20, lastSeen: T0 + 2 }),
        ],
      }));
      const ids = async (q: Partial<Parameters<Store['listEndpoints']>[0]>) => {
        const r = await store.listEndpoints({ limit: 100, offset: 0, ...q });
        return { ids: r.items.map((e) => e.id), total: r.total };
      };
      assert.deepEqual(await ids({}), { ids: ['e2', 'e3', 'e4', 'e1'], total: 4 }, 'calls desc, then id');
      assert.deepEqual(await ids({ sort: 'lastSeen' }), { ids: ['e2', 'e3', 'e4', 'e1'], total: 4 });
      assert.deepEqual(await ids({ sort: 'path' }), { ids: ['e4', 'e1', 'e2', 'e3'], total: 4 });
      assert.deepEqual(await ids({ host: 'a.example' }), { ids: ['e2', 'e4', 'e1'], total: 3 });
      assert.deepEqual(await ids({ hosts: ['b.example', 'c.example'] }), { ids: ['e3'], total: 1 });
      assert.deepEqual(await ids({ hosts: [] }), { ids: [], total: 0 });
      assert.deepEqual(await ids({ method: 'get' }), { ids: ['e3', 'e4', 'e1'], total: 3 });
      assert.deepEqual(await ids({ limit: 2, offset: 1 }), { ids: ['e3', 'e4'], total: 4 });
      assert.deepEqual(await ids({ limit: 2, offset: 4 }), { ids: [], total: 4 });
      assert.deepEqual((await store.allEndpoints()).map((e) => e.id), ['e1', 'e2', 'e3', 'e4']);
      assert.deepEqual(await store.getEndpoint('e3'), endpoint('e3', { host: 'b.example', method: 'GET', pathTemplate: '/orders/{id}', calls: 20, lastSeen: T0 + 2 }));
      assert.equal(await store.getEndpoint('nope'), null);
    });

    // ---- diagnostics, admin tokens, audit, settings

    test('ingestion stats accumulate per (client, source, outcome): counts add, last message and last seen kept', async () => {
      await store.addIngestionStats([]);
      assert.deepEqual(await store.ingestionStats(), []);
      await store.addIngestionStats([
        { clientId: 'c1', sourceType: 'apim', outcome: 'accepted', count: 5, lastMessage: null, lastSeen: T0 + 10 },
        { clientId: 'c1', sourceType: 'apim', outcome: 'invalid_body', count: 1, lastMessage: 'first', lastSeen: T0 },
        { clientId: 'c1', sourceType: 'apim', outcome: 'accepted', count: 2, lastMessage: null, lastSeen: T0 + 5 },
        { clientId: 'a0', sourceType: 'sensor', outcome: 'accepted', count: 1, lastMessage: null, lastSeen: T0 },
      ]);
      await store.addIngestionStats([
        { clientId: 'c1', sourceType: 'apim', outcome: 'invalid_body', count: 2, lastMessage: 'second', lastSeen: T0 + 20 },
        { clientId: 'c1', sourceType: 'apim', outcome: 'invalid_body', count: 1, lastMessage: null, lastSeen: T0 + 1 },
        { clientId: 'c1', sourceType: 'Apim', outcome: 'accepted', count: 1, lastMessage: null, lastSeen: T0 },
      ]);
      assert.deepEqual(await store.ingestionStats(), [
        { clientId: 'a0', sourceType: 'sensor', outcome: 'accepted', count: 1, lastMessage: null, lastSeen: T0 },
        { clientId: 'c1', sourceType: 'Apim', outcome: 'accepted', count: 1, lastMessage: null, lastSeen: T0 },
        { clientId: 'c1', sourceType: 'apim', outcome: 'accepted', count: 7, lastMessage: null, lastSeen: T0 + 10 },
        { clientId: 'c1', sourceType: 'apim', outcome: 'invalid_body', count: 4, lastMessage: 'second', lastSeen: T0 + 20 },
      ]);
      await Promise.all(Array.from({ length: 10 }, () =>
        store.addIngestionStats([{ clientId: 'a0', sourceType: 'sensor', outcome: 'accepted', count: 1, lastMessage: null, lastSeen: T0 }])));
      assert.equal((await store.ingestionStats())[0]!.count, 11);
    });

    test('admin tokens: stored once per hash', async () => {
      assert.equal(await store.hasAdminToken(), false);
      assert.deepEqual(await store.adminTokenHashes(), []);
      await store.addAdminTokenHash('h1', 'bootstrap');
      await store.addAdminTokenHash('h1', 'again');
      await store.addAdminTokenHash('h2', 'second');
      assert.equal(await store.hasAdminToken(), true);
      assert.deepEqual((await store.adminTokenHashes()).sort(), ['h1', 'h2']);
    });

    test('audit: newest first, keyset paging with before, details round-trip', async () => {
      assert.deepEqual(await store.listAudit(10), []);
      for (let i = 0; i < 5; i++) {
        await store.audit({ at: T0 + i, actor: i % 2 ? 'token' : 'user:alice', action: `a${i}`, target: i === 0 ? null : `t${i}`, details: i === 0 ? null : i === 1 ? {} : { i, nested: { list: [i] } } });
      }
      const page1 = await store.listAudit(2);
      assert.deepEqual(page1.map((e) => e.action), ['a4', 'a3']);
      assert.ok(page1[0]!.id > page1[1]!.id);
      assert.deepEqual(page1[0], { id: page1[0]!.id, at: T0 + 4, actor: 'user:alice', action: 'a4', target: 't4', details: { i: 4, nested: { list: [4] } } });
      const page2 = await store.listAudit(2, page1[1]!.id);
      assert.deepEqual(page2.map((e) => e.action), ['a2', 'a1']);
      const page3 = await store.listAudit(2, page2[1]!.id);
      assert.deepEqual(page3.map((e) => [e.action, e.target, e.details]), [['a0', null, null]]);
      assert.deepEqual(page2[1]!.details, {});
      assert.deepEqual(await store.listAudit(2, page3[0]!.id), []);
    });

    test('settings: get, set, overwrite', async () => {
      assert.equal(await store.getSetting('retention'), null);
      await store.setSetting('retention', '7d');
      await store.setSetting('Retention', 'other');
      assert.equal(await store.getSetting('retention'), '7d');
      await store.setSetting('retention', '');
      assert.equal(await store.getSetting('retention'), '');
      assert.equal(await store.getSetting('Retention'), 'other');
    });

    // ---- users and sessions

    test('users: create, duplicates refused, case-sensitive names, list, update (a sign-in keeps updatedAt), admins counted', async () => {
      assert.equal(await store.createUser(user('bob', { role: 'admin' })), true);
      assert.equal(await store.createUser(user('alice')), true);
      assert.equal(await store.createUser(user('bob')), false);
      assert.equal(await store.createUser(user('Bob')), true, 'names are case-sensitive');
      assert.equal(await store.createUser(user('eve', { role: 'root' as 'admin' })), false, 'an unknown role is refused as SQLite INSERT OR IGNORE does');
      assert.equal(await store.getUser('eve'), null);
      assert.deepEqual(await store.getUser('bob'), user('bob', { role: 'admin' }));
      assert.equal(await store.getUser('BOB'), null);
      assert.deepEqual((await store.listUsers()).map((u) => u.username), ['Bob', 'alice', 'bob']);
      assert.equal(await store.countAdmins(), 1);

      const signedIn = await store.updateUser('alice', { lastLoginAt: T0 + 50 });
      assert.deepEqual(signedIn, user('alice', { lastLoginAt: T0 + 50 }));
      const promoted = await store.updateUser('alice', { role: 'admin' });
      assert.equal(promoted!.role, 'admin');
      assert.equal(promoted!.lastLoginAt, T0 + 50);
      assert.ok(promoted!.updatedAt > T0);
      assert.equal(await store.countAdmins(), 2);
      const changed = await store.updateUser('alice', { passwordHash: 'new' });
      assert.deepEqual(changed, { ...promoted!, passwordHash: 'new', updatedAt: changed!.updatedAt });
      assert.deepEqual(await store.getUser('alice'), changed);
      assert.equal(await store.updateUser('nobody', { role: 'admin' }), null);
      await assert.rejects(store.updateUser('alice', { role: 'root' as 'admin' }), 'the role check holds on update');
      assert.equal((await store.getUser('alice'))!.role, 'admin');
    });

    test('sessions: create, get, end one, end all of a user but one, prune expired; deleting a user ends its sessions', async () => {
      await store.createUser(user('alice'));
      await store.createUser(user('bob'));
      const session = (idHash: string, username: string, expiresAt: number) => ({ idHash, username, csrfToken: `csrf-${idHash}`, createdAt: T0, expiresAt });
      await store.createSession(session('s1', 'alice', T0 + 100));
      await store.createSession(session('s2', 'alice', T0 + 200));
      await store.createSession(session('s3', 'alice', T0 + 300));
      await store.createSession(session('s4', 'bob', T0 + 100));
      await store.createSession(session('s5', 'bob', T0 + 300));
      await assert.rejects(store.createSession(session('s1', 'bob', T0)), 'a session id is unique');
      assert.deepEqual(await store.getSession('s1'), session('s1', 'alice', T0 + 100));
      assert.equal(await store.getSession('nope'), null);

      await store.deleteSession('s1');
      await store.deleteSession('s1');
      assert.equal(await store.getSession('s1'), null);
      await store.deleteUserSessions('alice', 's2');
      assert.ok(await store.getSession('s2'));
      assert.equal(await store.getSession('s3'), null);
      assert.ok(await store.getSession('s4'), 'other users keep theirs');
      await store.deleteUserSessions('alice');
      assert.equal(await store.getSession('s2'), null);

      await store.pruneSessions(T0 + 100);
      assert.ok(await store.getSession('s4'), 'expiring exactly now is kept');
      await store.pruneSessions(T0 + 101);
      assert.equal(await store.getSession('s4'), null);
      assert.ok(await store.getSession('s5'));

      assert.equal(await store.deleteUser('bob'), true);
      assert.equal(await store.getSession('s5'), null);
      assert.equal(await store.getUser('bob'), null);
      assert.equal(await store.deleteUser('bob'), false);
    });

    // ---- dashboard aggregates

    test('aggregates: traffic buckets, top hosts, top endpoints, status mix over a range', async () => {
      const at = (m: number, s = 0) => T0 + m * MIN + s * 1000;
      await store.insertTransactions([
        txn('1', { receivedAt: at(0, 1), host: 'a.example', uri: '/users?page=1', status: 200 }),
        txn('2', { receivedAt: at(0, 30), host: 'a.example', uri: '/users?page=2', status: 404 }),
        txn('3', { receivedAt: at(1, 0), host: 'b.example', uri: '/orders', status: null }),
        txn('4', { receivedAt: at(2, 59), host: null, uri: '/', status: 302 }),
        txn('5', { receivedAt: at(2, 0), host: 'a.example', uri: '/users', method: 'POST', status: 503 }),
        txn('6', { receivedAt: at(3, 0), host: 'b.example', uri: '/orders?x', status: 101 }),
        txn('7', { receivedAt: at(5, 0), host: 'a.example', uri: '/late', status: 200 }),
        txn('8', { receivedAt: at(-1, 0), host: 'a.example', uri: '/early', status: 200 }),
      ]);
      const range = { from: at(0), to: at(5) };
      assert.deepEqual(await store.trafficBuckets(range, MIN), [
        { t: at(0), calls: 2, errors: 1 },
        { t: at(1), calls: 1, errors: 1 },
        { t: at(2), calls: 2, errors: 1 },
        { t: at(3), calls: 1, errors: 0 },
      ]);
      assert.deepEqual(await store.trafficBuckets(range, 2 * MIN), [
        { t: at(0), calls: 3, errors: 2 },
        { t: at(2), calls: 3, errors: 1 },
      ]);
      assert.deepEqual(await store.trafficBuckets({ from: at(10), to: at(20) }, MIN), []);

      assert.deepEqual(await store.topHosts(range, 10), [
        { host: 'a.example', calls: 3, lastSeen: at(2, 0) },
        { host: 'b.example', calls: 2, lastSeen: at(3, 0) },
        { host: null, calls: 1, lastSeen: at(2, 59) },
      ]);
      assert.deepEqual((await store.topHosts(range, 1)).map((h) => h.host), ['a.example']);
      // Ties sort by host, no host first (as SQLite orders NULL).
      assert.deepEqual((await store.topHosts({ from: at(2), to: at(3) }, 10)).map((h) => h.host), [null, 'a.example']);

      assert.deepEqual(await store.topEndpoints(range, 10), [
        { host: 'b.example', method: 'GET', path: '/orders', calls: 2 },
        { host: 'a.example', method: 'GET', path: '/users', calls: 2 },
        { host: null, method: 'GET', path: '/', calls: 1 },
        { host: 'a.example', method: 'POST', path: '/users', calls: 1 },
      ]);
      assert.deepEqual((await store.topEndpoints(range, 1)).map((e) => e.path), ['/orders']);

      assert.deepEqual(await store.statusMix(range), { '2xx': 1, '3xx': 1, '4xx': 1, '5xx': 1, none: 1, other: 1 });
      assert.deepEqual(await store.statusMix({ from: at(10), to: at(20) }), { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0, other: 0 });
    });

    test('aggregates: ingestion rate per client and source, per minute over the last minutes', async () => {
      const now = T0 + 10 * MIN + 30_000;
      const minuteStart = T0 + 10 * MIN;
      await store.insertTransactions([
        txn('1', { receivedAt: minuteStart - 5 * MIN, clientId: 'c1', sourceType: 'apim' }), // before the window
        txn('2', { receivedAt: minuteStart - 4 * MIN, clientId: 'c1', sourceType: 'apim' }),
        txn('3', { receivedAt: minuteStart - 4 * MIN + 59_999, clientId: 'c1', sourceType: 'apim' }),
        txn('4', { receivedAt: minuteStart - 1 * MIN, clientId: 'c1', sourceType: 'sensor' }),
        txn('5', { receivedAt: minuteStart + 1, clientId: 'c2', sourceType: null }),
        txn('6', { receivedAt: minuteStart + 1, clientId: 'c1', sourceType: 'apim' }),
        txn('7', { receivedAt: minuteStart + 5 * MIN, clientId: 'c1', sourceType: 'apim' }), // in the future: not in any minute
      ]);
      const series = await store.ingestionRate(now, 5);
      const key = (s: { clientId: string; sourceType: string }) => `${s.clientId}/${s.sourceType}`;
      assert.deepEqual([...series].sort((a, b) => key(a).localeCompare(key(b))), [
        { clientId: 'c1', sourceType: 'apim', perMinute: [2, 0, 0, 0, 1] },
        { clientId: 'c1', sourceType: 'sensor', perMinute: [0, 0, 0, 1, 0] },
        { clientId: 'c2', sourceType: 'unknown', perMinute: [0, 0, 0, 0, 1] },
      ]);
      assert.deepEqual(await store.ingestionRate(T0 + 100 * MIN, 5), []);
    });
  });
}

// ---- SQLite

const sqliteDirs: string[] = [];
after(() => {
  for (const dir of sqliteDirs) rmSync(dir, { recursive: true, force: true });
});
storeSuite('store conformance: SqliteStore', async () => {
  const dir = tempDir('tapline-store-');
  sqliteDirs.push(dir);
  return new SqliteStore(join(dir, 'store.db'));
});

/**
 * What the upgrade to one index over transaction ids must keep, whatever the adapter: the stored
 * transactions, their row ids, ids never handed out again, lookups by id, and one row per id.
 */
async function checkTransactionsAfterUpgrade(store: Store): Promise<void> {
  assert.deepEqual(withoutRowId(await store.getTransaction('t1')), txn('t1'));
  assert.equal((await store.getTransaction('t2', 'c2'))!.uri, '/items/t2?q=1');
  assert.equal(await store.getTransaction('t3'), null, 'deleted before the upgrade');
  const before = await store.queryTransactions({ limit: 10 });
  assert.deepEqual(before.map((r) => [r.transactionId, r.rowId]), [['t2', 2], ['t1', 1]], 'row ids are kept');
  await store.insertTransactions([txn('t4')]);
  const [t4] = await store.queryTransactions({ limit: 1 });
  assert.ok(t4!.rowId > 3, `t4 gets a row id above the deleted t3's (got ${t4!.rowId})`);
  await store.insertTransactions([txn('t1')]);
  const after = await store.queryTransactions({ limit: 10 });
  assert.deepEqual(after.map((r) => r.transactionId), ['t4', 't2', 't1'], 'the retry of t1 is stored once');
}

test('migrations (SQLite): a store from before the single transaction-id index keeps its transactions, row ids and sequence', async () => {
  const dir = tempDir('tapline-store-');
  sqliteDirs.push(dir);
  const path = join(dir, 'store.db');
  const old = new DatabaseSync(path);
  for (const m of SQLITE_MIGRATIONS.slice(0, -1)) old.exec(m);
  old.exec(`PRAGMA user_version = ${SQLITE_MIGRATIONS.length - 1}`);
  const insert = old.prepare(`INSERT INTO transactions (client_id, transaction_id, received_at, timestamp, method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
    VALUES (?, ?, ?, ?, 'GET', ?, 'api.example', 200, ?, ?, ?, ?)`);
  const t = txn('x');
  for (const [clientId, id, at] of [['c1', 't1', T0], ['c2', 't2', T0 + 1], ['c1', 't3', T0 + 2]] as const) {
    insert.run(clientId, id, at, T0 - 5, `/items/${id}?q=1`, t.clientIp, t.clientIpRule, t.sourceType, JSON.stringify(t.detail));
  }
  old.exec("DELETE FROM transactions WHERE transaction_id = 't3'");
  old.close();
  const store = new SqliteStore(path);
  try {
    await checkTransactionsAfterUpgrade(store);
    const check = new DatabaseSync(path, { readOnly: true });
    const indexes = check.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' ORDER BY name").all();
    check.close();
    assert.deepEqual(indexes.map((i) => i.name), ['sqlite_autoindex_transactions_1', 'transactions_host', 'transactions_received']);
  } finally {
    await store.close();
  }
});

// ---- PostgreSQL

const PG_URL = process.env.TAPLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Every schema this run creates starts with this; all are dropped at the end. */
const RUN_PREFIX = `tapline_test_${process.pid}_${randomBytes(3).toString('hex')}_`;
let schemaCounter = 0;

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}`;
  } catch {
    return 'TAPLINE_TEST_POSTGRES_URL';
  }
}

async function probePostgres(): Promise<string | null> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

const pgError = await probePostgres();
const pgSkip = pgError === null ? false : `PostgreSQL not reachable at ${where(PG_URL)} (${pgError}): start it or set TAPLINE_TEST_POSTGRES_URL`;

const pgRequired = Boolean(process.env.CI || process.env.TAPLINE_TEST_REQUIRE_POSTGRES);
if (pgSkip && pgRequired) {
  test('PostgreSQL is available (CI or TAPLINE_TEST_REQUIRE_POSTGRES is set)', () => {
    assert.fail(`${pgSkip}; CI must run the PostgreSQL store tests`);
  });
} else if (pgSkip) {
  console.log(`# skipped: ${pgSkip}`);
}

describe('PostgresStore', { skip: pgSkip }, () => {
  let admin: postgres.Sql;
  before(() => {
    admin = postgres(PG_URL, { max: 2, onnotice: () => {} });
  });
  after(async () => {
    if (!admin) return;
    const schemas = await admin`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ${RUN_PREFIX})`;
    for (const s of schemas) await admin.unsafe(`DROP SCHEMA "${s.nspname}" CASCADE`);
    await admin.end({ timeout: 5 });
  });

  const freshSchema = () => `${RUN_PREFIX}${++schemaCounter}`;

  storeSuite('store conformance: PostgresStore', () => PostgresStore.open(PG_URL, { schema: freshSchema(), max: 4 }));

  test('migrations: stores starting together on an empty schema migrate it once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(PG_URL, { schema, max: 2 })));
    try {
      const versions = await admin`SELECT version FROM ${admin(schema)}.tapline_schema_migrations ORDER BY version`;
      assert.deepEqual(versions.map((r) => r.version), Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
      assert.equal(await stores[0]!.createClient(client('c1')), true);
      assert.equal(await stores[1]!.createClient(client('c1')), false, 'they share one schema');
      assert.equal(await stores[2]!.clientsVersion(), 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    // Reopening finds it up to date.
    const again = await PostgresStore.open(PG_URL, { schema, max: 1 });
    assert.equal((await again.getClient('c1'))!.clientId, 'c1');
    await again.close();
  });

  test('migrations: a store from before the single transaction-id index keeps its transactions, row ids and sequence', async () => {
    const schema = freshSchema();
    await admin`CREATE SCHEMA ${admin(schema)}`;
    await admin.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL search_path = "${schema}"`);
      await tx`CREATE TABLE tapline_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`;
      for (const [i, m] of POSTGRES_MIGRATIONS.slice(0, -1).entries()) {
        await tx.unsafe(m);
        await tx`INSERT INTO tapline_schema_migrations (version, applied_at) VALUES (${i + 1}, 0)`;
      }
      const t = txn('x');
      for (const [clientId, id, at] of [['c1', 't1', T0], ['c2', 't2', T0 + 1], ['c1', 't3', T0 + 2]] as const) {
        await tx`INSERT INTO transactions (client_id, transaction_id, received_at, "timestamp", method, uri, host, status, client_ip, client_ip_rule, source_type, detail)
          VALUES (${clientId}, ${id}, ${at}, ${T0 - 5}, 'GET', ${`/items/${id}?q=1`}, 'api.example', 200, ${t.clientIp}, ${t.clientIpRule}, ${t.sourceType}, ${JSON.stringify(t.detail)})`;
      }
      await tx`DELETE FROM transactions WHERE transaction_id = 't3'`;
    });
    const store = await PostgresStore.open(PG_URL, { schema, max: 2 });
    try {
      await checkTransactionsAfterUpgrade(store);
      const indexes = await admin`SELECT indexname FROM pg_indexes WHERE schemaname = ${schema} AND tablename = 'transactions' ORDER BY indexname`;
      assert.deepEqual(indexes.map((i) => i.indexname), ['transactions_host', 'transactions_pkey', 'transactions_received', 'transactions_transaction_id_client_id_key']);
    } finally {
      await store.close();
    }
  });

  test('migrations: a schema newer than this Tapline is refused with a clear error', async () => {
    const schema = freshSchema();
    await (await PostgresStore.open(PG_URL, { schema, max: 1 })).close();
    await admin`INSERT INTO ${admin(schema)}.tapline_schema_migrations (version, applied_at) VALUES (${POSTGRES_SCHEMA_VERSION + 1}, 0)`;
    await assert.rejects(PostgresStore.open(PG_URL, { schema, max: 1 }),
      new RegExp(`schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than this Tapline \\(${POSTGRES_SCHEMA_VERSION}\\); upgrade Tapline`));
  });

  test('schemas: the URL search_path selects an existing schema; a missing one is a clear error', async () => {
    const schema = freshSchema();
    await admin`CREATE SCHEMA ${admin(schema)}`;
    const sep = PG_URL.includes('?') ? '&' : '?';
    const s = await PostgresStore.open(`${PG_URL}${sep}search_path=${schema}`, { max: 1 });
    try {
      await s.setSetting('k', 'v');
    } finally {
      await s.close();
    }
    const [row] = await admin`SELECT value FROM ${admin(schema)}.settings WHERE key = 'k'`;
    assert.equal(row!.value, 'v');
    await assert.rejects(PostgresStore.open(`${PG_URL}${sep}search_path=${RUN_PREFIX}missing`, { max: 1 }), /search_path names no existing schema/);
  });

  test('several processes: concurrent redeliveries and counters through separate pools count once', async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([PostgresStore.open(PG_URL, { schema, max: 4 }), PostgresStore.open(PG_URL, { schema, max: 4 })]);
    try {
      await a.createClient(client('c1'));
      const batch = Array.from({ length: 50 }, (_, i) => txn(`t${i}`, { receivedAt: T0 + i }));
      await Promise.all([a.insertTransactions(batch), b.insertTransactions(batch), a.insertTransactions(batch.slice(10, 20))]);
      assert.equal((await a.queryTransactions({ limit: 1000 })).length, 50);
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).recordClientActivity('c1', { tokenAt: T0 + i, transactions: 3 })));
      const c = (await b.getClient('c1'))!;
      assert.equal(c.tokensIssued, 10);
      assert.equal(c.transactionsAccepted, 30);
      const results = await Promise.all([a, b, a, b].map((s) => s.commitAnalysis(commit('w', 7, { endpoints: [endpoint('e1')] }))));
      assert.deepEqual(results.filter(Boolean).length, 1, 'one commit of a batch wins');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
