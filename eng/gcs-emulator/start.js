#!/usr/bin/env node
// Starts the firebase-tools Cloud Storage emulator as a plain GCS JSON API server on 127.0.0.1, for the GCS model
// store's integration tests. Usage: node start.js [port] (default 9199; the environment variable GCS_EMULATOR_PORT
// also works). Prints "gcs-emulator listening on http://127.0.0.1:PORT" once it accepts requests.
//
// Why not `firebase emulators:start --only storage`: that needs Java 21 and downloads a rules JAR at start. The GCS
// JSON endpoints never evaluate security rules, so the emulator's Node class is started directly with its rules
// runtime and rules manager replaced by no-ops. This reaches into firebase-tools internals: keep the version pinned
// in package.json.
//
// One fix in front of the emulator's app: it finalizes a resumable upload on its first PUT, so an upload sent in
// several chunks came back truncated while the client reported success. Non-final chunks (Content-Range
// "bytes a-b/*", or "bytes a-b/N" with b+1 < N) and status queries ("bytes */*") are answered here: the bytes are
// appended to the upload and the answer is 308 with a Range header, as GCS does. The final chunk goes to the
// emulator, which appends it and finalizes.
//
// What the emulator does not do (tests must not rely on it): generation preconditions (ifGenerationMatch is
// ignored), object versioning, bucket creation/metadata (a bucket appears on first use).
"use strict";

const http = require("http");
const { StorageEmulator } = require("firebase-tools/lib/emulator/storage");
const { createApp } = require("firebase-tools/lib/emulator/storage/server");
const { EmulatorRegistry } = require("firebase-tools/lib/emulator/registry");

const host = "127.0.0.1";
const port = Number(process.argv[2] || process.env.GCS_EMULATOR_PORT || 9199);
const projectId = process.env.GCS_EMULATOR_PROJECT || "skillinference-test";

const emulator = new StorageEmulator({ projectId, host, port, auto_download: false });
const noRules = { start: async () => {}, stop: async () => {}, getRuleset: () => undefined };
emulator._rulesRuntime = noRules;
emulator._rulesManager = noRules;

// EmulatorRegistry.start calls start(): serve the emulator's app behind the resumable-upload fix.
emulator.start = async function start() {
  const app = await createApp(projectId, emulator);
  emulator._app = app;
  const server = http.createServer((req, res) => {
    if (!handleResumableChunk(req, res)) {
      app(req, res);
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  emulator.destroyServer = () => new Promise((resolve) => server.close(() => resolve()));
};

/** Answers non-final chunks and status queries of a resumable upload; false leaves the request to the emulator. */
function handleResumableChunk(req, res) {
  if (req.method !== "PUT" || !req.url.startsWith("/upload/storage/v1/b/")) {
    return false;
  }

  const uploadId = new URL(req.url, `http://${host}`).searchParams.get("upload_id");
  const contentRange = req.headers["content-range"] || "";
  const chunk = /^bytes (\d+)-(\d+)\/(\*|\d+)$/.exec(contentRange);
  const status = /^bytes \*\/(\*|\d+)$/.exec(contentRange);
  if (!uploadId || (!chunk && !status)) {
    return false;
  }

  let upload;
  try {
    upload = emulator.uploadService.getResumableUpload(uploadId);
  } catch {
    return false; // unknown upload: the emulator answers 404
  }

  if (status) {
    const total = status[1];
    if (total !== "*" && Number(total) === upload.size) {
      return false; // everything arrived: the emulator finalizes
    }

    drain(req, () => answerIncomplete(res, upload.size));
    return true;
  }

  const start = Number(chunk[1]);
  const end = Number(chunk[2]);
  const total = chunk[3];
  if (total !== "*" && end + 1 >= Number(total)) {
    return false; // the final chunk: the emulator appends it and finalizes
  }

  const parts = [];
  req.on("data", (part) => parts.push(part));
  req.on("end", () => {
    try {
      // A chunk sent again after a lost answer starts below what arrived: the client resumes from the Range we report.
      if (start === upload.size) {
        emulator.uploadService.continueResumableUpload(uploadId, Buffer.concat(parts));
      }

      answerIncomplete(res, upload.size);
    } catch (err) {
      res.statusCode = 400;
      res.end(String(err && err.message));
    }
  });
  return true;
}

function answerIncomplete(res, received) {
  res.statusCode = 308;
  if (received > 0) {
    res.setHeader("Range", `bytes=0-${received - 1}`);
  }

  res.setHeader("Content-Length", "0");
  res.end();
}

function drain(req, then) {
  req.on("data", () => {});
  req.on("end", then);
}

async function main() {
  await EmulatorRegistry.start(emulator);
  console.log(`gcs-emulator listening on http://${host}:${port} (firebase-tools storage emulator, project ${projectId})`);
}

async function shutdown() {
  try {
    await emulator.stop();
  } finally {
    process.exit(0);
  }
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
main().catch((err) => {
  console.error(`gcs-emulator failed to start: ${(err && err.stack) || err}`);
  process.exit(1);
});
