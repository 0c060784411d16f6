// Schemas of the admin REST API (written once: they validate requests and feed the OpenAPI document).
import Type from 'typebox';

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() }, { $id: 'Error' });

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const Client = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  trafficIngestion: Type.Boolean(),
  tokenLifespan: Type.Integer({ description: 'seconds' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  lastTokenAt: Time,
  lastTransactionAt: Time,
  tokensIssued: Type.Integer(),
  transactionsAccepted: Type.Integer(),
});

export const ClientWithSecret = Type.Intersect([Client, Type.Object({ secret: Type.String({ description: 'shown only once' }) })]);

export const CreateClient = Type.Object({
  name: Type.String({ description: '1 to 64 characters of letters, digits, ".", "_", "-"; used as the client id' }),
  trafficIngestion: Type.Optional(Type.Boolean({ default: true })),
  tokenLifespan: Type.Optional(Type.Integer({ default: 1800, description: 'seconds (60 to 86400)' })),
});

export const UpdateClient = Type.Object({
  trafficIngestion: Type.Optional(Type.Boolean()),
  tokenLifespan: Type.Optional(Type.Integer()),
});

export const Application = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hosts: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const CreateApplication = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  hosts: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { description: 'host names or patterns such as "*.shop.example"' }),
});

export const UpdateApplication = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  hosts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }))),
});

export const TransactionSummary = Type.Object({
  transactionId: Type.String(),
  clientId: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  timestamp: Type.String({ format: 'date-time' }),
  method: Type.String(),
  uri: Type.String({ description: 'path with query' }),
  host: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Integer(), Type.Null()]),
  clientIp: Type.String(),
  clientIpRule: Type.String(),
  sourceType: Type.Union([Type.String(), Type.Null()]),
});

export const TransactionList = Type.Object({
  items: Type.Array(TransactionSummary),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as "before" for the next (older) page' }),
});

export const TransactionQuery = Type.Object({
  host: Type.Optional(Type.String()),
  method: Type.Optional(Type.String()),
  status: Type.Optional(Type.Integer()),
  clientId: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: Type.Optional(Type.String()),
});

export const IngestionReport = Type.Object({
  items: Type.Array(
    Type.Object({
      clientId: Type.String(),
      sourceType: Type.String(),
      accepted: Type.Integer(),
      rejected: Type.Record(Type.String(), Type.Integer(), { description: 'count per error code' }),
      lastError: Type.Union([Type.String(), Type.Null()]),
      lastErrorAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      lastSeen: Type.String({ format: 'date-time' }),
    }),
  ),
});

export const AuditList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      at: Type.String({ format: 'date-time' }),
      actor: Type.String(),
      action: Type.String(),
      target: Type.Union([Type.String(), Type.Null()]),
      details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    }),
  ),
});

export const KeyList = Type.Object({
  items: Type.Array(
    Type.Object({
      kid: Type.String(),
      alg: Type.String(),
      active: Type.Boolean(),
      verifyUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
});
