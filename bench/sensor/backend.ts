// The API behind the sensor in bench/sensor: answers every call with a ~1 KB JSON document.
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: 'ord_7d2f9c',
  customer: { id: 'cus_1842', name: 'Ada Lovelace', email: 'ada@example.com' },
  items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: (i % 3) + 1, price: 12.5 + i })),
  status: 'confirmed',
  createdAt: '2026-11-24T12:00:00Z',
  notes: 'x'.repeat(300),
});

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
