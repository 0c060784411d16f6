// Serves the built web console (dist/web) from memory: only files that exist at start can be
// served, so no request path ever reaches the file system. Unknown non-API paths get index.html
// (the console routes in the browser).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
  /** Vite puts content-hashed files under assets/: they never change. */
  immutable: boolean;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const path = `/${relative(dir, full).split(sep).join('/')}`;
        assets.set(path, { type: TYPES[extname(name)] ?? 'application/octet-stream', body: readFileSync(full), immutable: path.startsWith('/assets/') });
      }
    }
  };
  walk(dir);
  return assets;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tapline</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>Tapline is running</h1><p>The web console is not built in this checkout. Run <code>npm run build:web</code>
(it runs as part of <code>npm ci</code>) and restart. The APIs work meanwhile: <code>/api/v1</code>, the Edge API and the token service.</p>`;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
};

export async function webConsole(app: FastifyInstance, opts: { dir: string }): Promise<void> {
  let assets: Map<string, Asset>;
  try {
    assets = loadAssets(opts.dir);
  } catch {
    assets = new Map();
  }
  const index = assets.get('/index.html');

  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path.startsWith('/api/') || path.startsWith('/auth/')) {
      return reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${path}` });
    }
    reply.headers(SECURITY_HEADERS);
    const asset = assets.get(path);
    if (asset && path !== '/index.html') {
      reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type(asset.type).send(asset.body);
    }
    if (extname(path) !== '' && !index) return reply.code(404).send({ error: 'not_found', message: `no file ${path}` });
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').send(index?.body ?? NOT_BUILT);
  });
}
