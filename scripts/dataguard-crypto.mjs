#!/usr/bin/env node
// Reads DataGuard's encrypted archives and checks its manifests without DataGuard (docs/formats.md), with nothing but
// node's own crypto. The key comes from the environment, never from the command line:
//
//   DATAGUARD_KEY=<base64 key> node dataguard-crypto.mjs decrypt [--context backup:<id>] < data.pgdump.zst.enc > data.pgdump.zst
//   DATAGUARD_KEY=<base64 key> node dataguard-crypto.mjs verify-manifest backups/<id>/manifest.json
//
// decrypt reads archive versions 1 and 2 from stdin and writes the plaintext (a zstd frame) to stdout, chunk by chunk,
// each authenticated before it is written; with --context it refuses a version-2 archive bound to anything else.
import { createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

const die = (message) => {
  process.stderr.write(`dataguard-crypto: ${message}\n`);
  process.exit(1);
};

const key = Buffer.from(process.env.DATAGUARD_KEY ?? die('set DATAGUARD_KEY to the key (base64)'), 'base64');
if (key.length !== 32) die('DATAGUARD_KEY must be 32 bytes, base64');

class Reader {
  constructor(stream) { this.it = stream[Symbol.asyncIterator](); this.buffer = Buffer.alloc(0); this.ended = false; }
  async fill(n) {
    while (this.buffer.length < n && !this.ended) {
      const { value, done } = await this.it.next();
      if (done) this.ended = true; else this.buffer = Buffer.concat([this.buffer, value]);
    }
  }
  async read(n) {
    await this.fill(n);
    const out = this.buffer.subarray(0, Math.min(n, this.buffer.length));
    this.buffer = this.buffer.subarray(out.length);
    return out;
  }
}

async function decrypt(context) {
  const input = new Reader(process.stdin);
  const parts = [];
  const take = async (n) => {
    const bytes = await input.read(n);
    if (bytes.length < n) die('the archive is truncated inside its header');
    parts.push(bytes);
    return bytes;
  };
  const preamble = await take(10);
  if (preamble.subarray(0, 4).toString('latin1') !== 'DGAE') die('not a DataGuard encrypted archive');
  const version = preamble[4];
  if (preamble[5] !== 1 || (version !== 1 && version !== 2)) die(`unsupported version ${version} or algorithm ${preamble[5]}`);
  const chunkSize = preamble.readUInt32BE(6);
  const seed = await take(version === 1 ? 8 : 32); // v1: nonce prefix; v2: salt
  const keyId = (await take((await take(1))[0])).toString('utf8');
  if (version === 2) {
    const bound = (await take((await take(2)).readUInt16BE(0))).toString('utf8');
    if (context && bound !== context) die(`the archive is bound to '${bound}', not '${context}'`);
    if (!context) process.stderr.write(`dataguard-crypto: the archive is bound to '${bound}'\n`);
  }
  const keyCheck = await take(16);
  let aesKey;
  let expected;
  if (version === 1) {
    aesKey = key;
    expected = createHmac('sha256', key).update(Buffer.concat([Buffer.from('DataGuard key check v1'), seed])).digest().subarray(0, 16);
  } else {
    const okm = Buffer.from(hkdfSync('sha256', key, seed, 'DataGuard archive v2', 48));
    aesKey = okm.subarray(0, 32);
    expected = okm.subarray(32);
  }
  if (!timingSafeEqual(keyCheck, expected)) die(`DATAGUARD_KEY is not the key '${keyId}' this archive was encrypted with`);
  const header = Buffer.concat(parts);

  for (let index = 0n; ; index++) {
    const record = await input.read(chunkSize + 16);
    await input.fill(1);
    const last = input.buffer.length === 0;
    if (record.length < 16) die(`the archive is truncated at chunk ${index}`);
    const nonce = Buffer.alloc(12);
    if (version === 1) { seed.copy(nonce, 0); nonce.writeUInt32BE(Number(index), 8); } else { nonce.writeBigUInt64BE(index, 4); }
    const decipher = createDecipheriv('aes-256-gcm', aesKey, nonce);
    decipher.setAAD(Buffer.concat([header, Buffer.from([last ? 1 : 0])]));
    decipher.setAuthTag(record.subarray(record.length - 16));
    let plain;
    try {
      plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    } catch {
      die(`chunk ${index} failed authentication: the archive was changed${last ? ' or cut short' : ''}`);
    }
    if (!process.stdout.write(plain)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    if (last) return;
  }
}

// RFC 8785: members sorted by UTF-16 code units, JSON.stringify's strings and numbers, no whitespace.
const canonical = (value) => Array.isArray(value)
  ? `[${value.map(canonical).join(',')}]`
  : value !== null && typeof value === 'object'
    ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`
    : JSON.stringify(value);

function verifyManifest(path) {
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  const mac = manifest.mac;
  if (!mac) die('the manifest carries no MAC');
  if (mac.algorithm !== 'hmac-sha256') die(`unknown MAC algorithm '${mac.algorithm}'`);
  delete manifest.mac;
  const keyCheck = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'DataGuard manifest key check v1', 16));
  if (Buffer.from(String(mac.keyCheck), 'hex').compare(keyCheck) !== 0) die(`DATAGUARD_KEY is not the key '${mac.keyId}' this manifest was authenticated with`);
  const macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'DataGuard manifest MAC v1', 32));
  const actual = createHmac('sha256', macKey).update(canonical(manifest), 'utf8').digest();
  const stored = Buffer.from(String(mac.value), 'hex');
  if (stored.length !== actual.length || !timingSafeEqual(stored, actual)) die(`the MAC does not match (key id '${mac.keyId}'): the manifest was changed`);
  process.stdout.write(`MAC valid (key id '${mac.keyId}')\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'decrypt') {
  const at = rest.indexOf('--context');
  await decrypt(at >= 0 ? rest[at + 1] : null);
} else if (command === 'verify-manifest' && rest.length === 1) {
  verifyManifest(rest[0]);
} else {
  die('usage: dataguard-crypto.mjs decrypt [--context CONTEXT] < in > out | verify-manifest FILE');
}
