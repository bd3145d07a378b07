#!/usr/bin/env node
// Starts s3rver (the S3 test server) with S3's write semantics: usage `node scripts/s3rver.js <s3rver/bin/s3rver.js> [s3rver args]`.
//
// s3rver 3.7.1 writes a PUT's body straight into the object's file (truncating the object it replaces), then its
// metadata, and answers before the file is fully written. So a PUT cut off (client killed, connection reset, server
// killed) leaves a partial object, or a replaced object's metadata over a partial body ("Expected hash not equal" on the
// next GET), and a GET right after a PUT may read a short file. S3 (and MinIO, Ceph...) shows an object only once its
// whole PUT succeeded, and a failed PUT leaves the previous version as it was. Here each PUT writes into a temporary
// file beside the object, waits until it is on disk, and only then replaces the object, its checksum and metadata, all
// three in one synchronous step (no other request runs in between); deletes are synchronous too, so a LIST (whose
// directory walk is synchronous) never stats a file that vanished under it.
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

process.argv.splice(2, 1);
require(bin);
