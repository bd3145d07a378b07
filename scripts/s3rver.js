#!/usr/bin/env node
// Starts s3rver (the S3 test server) with S3's write semantics: usage `node scripts/s3rver.js <s3rver/bin/s3rver.js> [s3rver args]`.
//
// s3rver 3.7.1 writes a PUT's body straight into the object's file (truncating the object it replaces), then its
// metadata, and answers before the file is fully written. So a PUT cut off (client killed, connection reset, server
// killed) leaves a partial object, or a replaced object's metadata over a partial body ("Expected hash not equal" on the
// next GET), and a GET right after a PUT may read a short file. S3 (and MinIO, Ceph...) shows an object only once its
// whole PUT succeeded, and a failed PUT leaves the previous version as it was. Here each PUT writes into a temporary
// file beside the object, waits until it is on disk, and only then replaces the object, its checksum and metadata, all
// three in one synchronous step (no other request handler runs in between; a SIGKILL of the server landing inside
// those three renames, a window of microseconds, could still pair one version's checksum with the other's body).
// A GET opens the object first and serves it only if its metadata belongs to the file it opened (else it looks again),
// so a GET overlapping an overwrite returns one whole version. Deletes are synchronous, and a LIST whose directory walk
// met a file that vanished (s3rver removes finished multipart uploads asynchronously) is walked again, not a 500.
// Temporary files of PUTs cut off by a killed server are removed when the server starts.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Transform } = require('stream');
const { pipeline } = require('stream/promises');

const bin = path.resolve(process.argv[2] || '');
const FilesystemStore = require(path.join(path.dirname(bin), '..', 'lib', 'stores', 'filesystem.js'));
const S3Object = require(path.join(path.dirname(bin), '..', 'lib', 'models', 'object.js'));

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const md5Path = this.getResourcePath(object.bucket, object.key, 'object.md5');
  const metadataPath = this.getResourcePath(object.bucket, object.key, 'metadata.json');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });

  // Not a name LIST shows (LIST shows files ending in '._S3rver_object' only).
  const temporary = `${objectPath}.${crypto.randomBytes(6).toString('hex')}.uploading`;
  const md5 = crypto.createHash('md5');
  let size = 0;
  try {
    const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
    await pipeline(
      content,
      new Transform({
        transform(chunk, encoding, callback) {
          md5.update(chunk, encoding);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      fs.createWriteStream(temporary),
    );
    const digest = md5.digest('hex');
    const json = {};
    for (const [name, value] of Object.entries(object.metadata || {})) {
      if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) json[name] = value;
    }

    await fs.promises.writeFile(`${temporary}.md5`, digest);
    await fs.promises.writeFile(`${temporary}.json`, JSON.stringify(json, null, 2));
    fs.renameSync(`${temporary}.json`, metadataPath);
    fs.renameSync(`${temporary}.md5`, md5Path);
    fs.renameSync(temporary, objectPath);
    return { size, md5: digest };
  } catch (err) {
    for (const file of [temporary, `${temporary}.md5`, `${temporary}.json`]) {
      try {
        fs.unlinkSync(file);
      } catch {
        // already gone
      }
    }

    throw err;
  }
};

FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  for (const resource of ['object', 'object.md5', 'metadata.json']) {
    try {
      fs.unlinkSync(this.getResourcePath(bucket, key, resource));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }

  // Empty folders above the key go too, as in the original.
  const parts = key.split('/');
  parts.pop();
  const bucketPath = this.getBucketPath(bucket);
  while (parts.length) {
    const folder = path.join(bucketPath, ...parts);
    try {
      if (fs.readdirSync(folder).length) break;
      fs.rmdirSync(folder);
    } catch (err) {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY') throw err;
      break;
    }

    parts.pop();
  }
};

// A GET reads one version (review of this launcher). getMetadata (size, ETag, headers) and the body's file were looked up
// separately, so a GET overlapping an overwrite served the new body cut to the old length under the old ETag. Open the
// object first, read its metadata, and retry unless the key still names the opened file (the open descriptor keeps its
// inode from being reused, and a PUT's three renames happen in one tick).
FilesystemStore.prototype.getObject = async function getObject(bucket, key, options) {
  const objectPath = this.getResourcePath(bucket, key, 'object');
  for (;;) {
    let handle;
    try {
      handle = await fs.promises.open(objectPath, 'r');
    } catch (err) {
      if (err.code === 'ENOENT') return null;
      throw err;
    }

    let keep = false;
    try {
      let metadata;
      try {
        metadata = await this.getMetadata(bucket, key);
      } catch (err) {
        if (err.code === 'ENOENT') continue; // deleted, or replaced and being read again
        throw err;
      }

      const [opened, named] = await Promise.all([handle.stat(), fs.promises.stat(objectPath).catch(() => null)]);
      if (!named || opened.ino !== named.ino || opened.dev !== named.dev) continue;
      const lastByte = Math.max(0, Number(metadata['content-length']) - 1);
      const range = {
        start: (options && options.start) || 0,
        end: Math.min((options && options.end) || Infinity, lastByte),
      };
      const object = new S3Object(bucket, key, null, metadata);
      if (options && (options.start !== undefined || options.end)) object.range = range;
      if (range.start < 0 || Math.min(range.end, lastByte) < range.start) return object;
      object.content = fs.createReadStream(null, { fd: handle, start: range.start, end: range.end });
      keep = true;
      return object;
    } finally {
      if (!keep) await handle.close();
    }
  }
};

const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (...args) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await listObjects.apply(this, args);
    } catch (err) {
      if (err.code !== 'ENOENT' || attempt >= 10) throw err;
    }
  }
};

// No PUT is in flight before the server starts: what a killed one left behind goes.
function removeUploads(folder) {
  let entries;
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }

  for (const entry of entries) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) removeUploads(file);
    else if (/\.[0-9a-f]{12}\.uploading(\.md5|\.json)?$/.test(entry.name)) fs.unlinkSync(file);
  }
}

const directoryFlag = process.argv.findIndex((arg) => arg === '-d' || arg === '--directory');
if (directoryFlag > 0 && process.argv[directoryFlag + 1]) removeUploads(process.argv[directoryFlag + 1]);

process.argv.splice(2, 1);
require(bin);
