// A webhook receiver for sealpost's tests and benchmarks: HTTPS on loopback, each
// delivery checked with the Standard Webhooks reference library (standardwebhooks on
// npm), not with sealpost's own code. Endpoints are paths, each with its own secret:
//   POST /hook/<name>     a delivery: 400 when its signature or timestamp does not
//                         verify, 500 while `fail_next` lasts, 204 otherwise
//   POST /control/<name>  {"secret"?: "whsec_...", "fail_next"?: n, "delay_ms"?: n}
//   GET  /control/<name>  {"attempts": [...], "delivered": {webhook-id: {count, payload,
//                         received_ms}}, "max_in_flight": n} — what it saw, each delivery
//                         counted once, and the most requests it held at once
//   node webhook_receiver.mjs <address> <port> <cert.pem> <key.pem> [{"name": "whsec_..."}]
// Prints "listening <port>" once it listens.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';

const [address, port, cert, key, secrets] = process.argv.slice(2);
const endpoints = new Map();

function endpoint(name) {
  if (!endpoints.has(name)) {
    endpoints.set(name, { secret: null, failNext: 0, delayMs: 0, attempts: [], delivered: {},
                          inFlight: 0, maxInFlight: 0 });
  }
  return endpoints.get(name);
}

function answer(res, status, body) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const [, kind, name] = req.url.split('/');
    const e = endpoint(decodeURIComponent(name || ''));
    if (kind === 'control') {
      if (req.method === 'GET') {
        return answer(res, 200, { attempts: e.attempts, delivered: e.delivered, max_in_flight: e.maxInFlight });
      }
      const change = JSON.parse(body || '{}');
      if ('secret' in change) e.secret = change.secret;
      if ('fail_next' in change) e.failNext = change.fail_next;
      if ('delay_ms' in change) e.delayMs = change.delay_ms;
      return answer(res, 204);
    }
    if (kind !== 'hook' || req.method !== 'POST' || !e.secret) return answer(res, 404);
    e.inFlight += 1;
    e.maxInFlight = Math.max(e.maxInFlight, e.inFlight);
    setTimeout(() => {
      e.inFlight -= 1;
      receive(e, req, res, body);
    }, e.delayMs);
  });
});

// A delivery, once its answer's delay (if any) is over.
function receive(e, req, res, body) {
  const id = req.headers['webhook-id'];
  let payload = null;
  try {
    payload = new Webhook(e.secret).verify(body, req.headers);
  } catch (err) {
    e.attempts.push({ id, verified: false, status: 400, error: String(err.message) });
    return answer(res, 400, { error: 'signature' });
  }
  if (e.failNext > 0) {
    e.failNext -= 1;
    e.attempts.push({ id, verified: true, status: 500 });
    return answer(res, 500, { error: 'try again' });
  }
  e.attempts.push({ id, verified: true, status: 204 });
  const seen = e.delivered[id];
  if (seen) seen.count += 1;
  else e.delivered[id] = { count: 1, payload, received_ms: Date.now() };
  return answer(res, 204);
}
for (const [name, secret] of Object.entries(JSON.parse(secrets || '{}'))) endpoint(name).secret = secret;
server.keepAliveTimeout = 1000;
server.listen(Number(port), address, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
