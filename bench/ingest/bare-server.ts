// The baseline of the ingest bench: a bare node:http server that reads the body, JSON-parses it
// and answers {"status":"OK"}. Whatever Tapline does beyond that (auth, validation, dedupe,
// durable append, analysis) is what the ratio measures.
// Usage: node bench/ingest/bare-server.ts <port>   (0 picks a free port; the bound port is printed)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const OK = Buffer.from('{"status":"OK"}');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"ERROR","error":"invalid_json"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length }).end(OK);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`bare server listening on http://127.0.0.1:${address.port}`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
