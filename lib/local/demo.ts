import { createReadStream } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { EvidenceBus } from "../adapters/bus.ts";
import { PackApiClient } from "../cli/api-client.ts";
import type { JsonObject } from "../core/canonical/index.ts";
import { REPORT_PATH } from "../core/pack/extensions.ts";
import { readPackEntries } from "../core/pack/reader.ts";
import { releaseStream } from "../core/records/index.ts";
import type { SignedRecord } from "../core/records/types.ts";
import { keyFingerprint, spkiToPem } from "../core/signing/keys.ts";
import { verifyPack } from "../core/verify/verifier.ts";
import { recordKey } from "../pipeline/archive.ts";
import { demoRelease, EXAMPLE_RELEASE_ID } from "./demo-release.ts";
import { localStateDir } from "./emulator/index.ts";
import { attemptVersionDelete } from "./lock-check.ts";
import { type LocalPlane, startLocalPlane } from "./plane.ts";
import { queued } from "./status.ts";

/** What the demo showed; the command prints it, tests check it. */
export interface DemoResult {
  readonly releaseId: string;
  readonly sent: number;
  readonly recorded: number;
  readonly quarantined: number;
  readonly archived: number;
  readonly packId: string;
  readonly packPath: string;
  /** report.html, taken out of the pack for reading. */
  readonly reportPath: string;
  readonly packValid: boolean;
  readonly tamperedValid: boolean;
  readonly tamperedProblem: string;
  readonly deleteDenied: boolean;
  readonly seconds: number;
}

type Say = (line: string) => void;

/**
 * The evidence plane end to end on a fresh local plane: a release's evidence put on the bus with
 * the AWS SDK, recorded, signed, chained and archived under Object Lock; an evidence pack built
 * and verified offline against the pinned KMS public key; a tampered copy failing; a delete of
 * a locked object version denied.
 */
export async function runDemo(say: Say, progress: (line: string) => void): Promise<DemoResult> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  say("Evidence plane demo: a release's evidence from CI/CD events to a verified evidence pack.");
  say("");
  const plane = await startLocalPlane({
    writeEndpointsFile: false,
    logLevel: "SILENT",
    ingestConcurrency: 1,
    onProgress: progress,
  });
  try {
    // Pinned before any evidence exists: the verifier trusts this key, never the pack's own.
    const pinned = await plane.signer.publicKey();
    say(`1. Local plane up on the AWS emulator (${elapsed()})`);
    say(`   bus ${plane.resources.busName} -> rule source prefix "evidence." -> ingest queue`);
    say(`   signing key ${plane.resources.signingKeyId}`);
    say(`   pinned public key fingerprint ${keyFingerprint(pinned.spki).slice(0, 16)}...`);

    const releaseId = EXAMPLE_RELEASE_ID;
    const events = demoRelease({ releaseId });
    const sent = await sendRelease(plane, events, say);
    const settled = await plane.waitUntilSettled({
      timeoutMs: 90_000,
      onProgress: (s) =>
        progress(
          `   waiting: ${s.recorded} recorded, ${s.quarantined} quarantined, ${s.archived} archived, ${queued(s.pending)} pending`,
        ),
    });
    const stream = releaseStream(releaseId);
    const records = await readStream(plane, stream);
    say(
      `3. ${records.length} records in ${stream}: seq 1..${records.length}, each KMS-signed and chained to the one before (${elapsed()})`,
    );
    say(
      `   ${settled.quarantined} message quarantined with its reasons; the duplicate delivery added nothing`,
    );
    const last = records[records.length - 1];
    const lastKey = last ? recordKey(last.record.stream, last.record.seq) : "";
    const head = await plane.bucket.head(lastKey);
    say(
      `   ${settled.archived} records archived to s3://${plane.resources.evidenceBucket}/records/ under Object Lock ${head?.lockMode ?? "?"}`,
    );
    say(
      `   e.g. ${lastKey} retained until ${head?.retainUntil?.toISOString().slice(0, 10) ?? "?"}`,
    );

    const { packId, packPath, reportPath, requestedBy } = await requestPack(
      plane,
      releaseId,
      pinned,
      progress,
    );
    const packBytes = (await stat(packPath)).size;
    say(
      `4. Evidence pack ${packId} requested through the pack API (POST ${plane.endpoints.apiUrl}/packs, SigV4-signed as ${requestedBy}),`,
    );
    say(
      `   assembled from the queue, signed with the KMS key and stored under Object Lock; downloaded by a presigned link:`,
    );
    say(`   ${relative(process.cwd(), packPath)} (${(packBytes / 1024).toFixed(1)} KiB)`);
    say(`   report for people: ${relative(process.cwd(), reportPath)} (open it in a browser)`);

    const report = await verifyPack(createReadStream(packPath), {
      trustedKey: pinned.spki,
      workers: 0,
    });
    say(
      `5. Verified offline against the pinned key: ${report.valid ? "VALID" : "INVALID"} (${report.records} records, ${report.streams} stream, signatures, chain, manifest)`,
    );

    const tamperedPath = packPath.replace(/\.tar\.gz$/, ".tampered.tar.gz");
    await writeFile(tamperedPath, tamper(await readFile(packPath)));
    const tampered = await verifyPack(createReadStream(tamperedPath), {
      trustedKey: pinned.spki,
      workers: 0,
    });
    const problem = tampered.problems[0];
    const tamperedProblem = problem ? `${problem.check}: ${problem.message}` : "no problem found";
    say(
      `6. Tampered copy (one approval changed to "rejected"): ${tampered.valid ? "VALID (unexpected!)" : "INVALID"}`,
    );
    say(`   ${tamperedProblem}`);

    const first = records[0];
    const firstKey = first ? recordKey(first.record.stream, first.record.seq) : "";
    const firstHead = await plane.bucket.head(firstKey);
    const attempt = await attemptVersionDelete(
      plane.clients.s3,
      plane.resources.evidenceBucket,
      firstKey,
      firstHead?.versionId ?? "",
    );
    say(
      `7. Delete of the locked version of ${firstKey}: ${attempt.denied ? `DENIED by S3 (${attempt.status} ${attempt.code})` : "allowed (unexpected!)"}`,
    );
    say("");
    const ok = report.valid && !tampered.valid && attempt.denied;
    say(
      ok
        ? `Done in ${elapsed()}. Verify the pack yourself: npx evidence verify ${relative(process.cwd(), packPath)} --public-key ${relative(process.cwd(), join(localStateDir(), "packs", "signing-public-key.pem"))}`
        : `Something did not behave as it should (see above); the demo took ${elapsed()}.`,
    );
    return {
      releaseId,
      sent,
      recorded: settled.recorded,
      quarantined: settled.quarantined,
      archived: settled.archived,
      packId,
      packPath,
      reportPath,
      packValid: report.valid,
      tamperedValid: tampered.valid,
      tamperedProblem,
      deleteDenied: attempt.denied,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await plane.stop();
  }
}

async function sendRelease(plane: LocalPlane, events: JsonObject[], say: Say): Promise<number> {
  const bus = new EvidenceBus({
    client: plane.clients.eventbridge,
    busName: plane.resources.busName,
  });
  const entries = events.map((event) => ({
    source: "evidence.github-actions",
    detailType: event.type as string,
    detail: JSON.stringify(event),
  }));
  // One at a time, as a pipeline emits them, so seq follows the release's order.
  for (const entry of entries) await bus.put([entry]);
  // A redelivery of the first event, and an event with a duplicated member name.
  const first = entries[0];
  if (first) await bus.put([first]);
  await bus.put([
    {
      source: "evidence.github-actions",
      detailType: "test.completed",
      detail:
        '{"id":"gha:9087123456:test:smoke","type":"test.completed","type":"deploy.completed"}',
    },
  ]);
  const types = [...new Set(events.map((event) => event.type as string))];
  say(`2. Sent ${entries.length} events through EventBridge with the AWS SDK: ${types.join(", ")}`);
  say("   plus one duplicate delivery and one malformed event");
  return entries.length + 2;
}

async function readStream(plane: LocalPlane, stream: string): Promise<SignedRecord[]> {
  const records: SignedRecord[] = [];
  for await (const stored of plane.store.queryStream(stream)) {
    records.push(JSON.parse(stored.signed) as SignedRecord);
  }
  return records;
}

/**
 * Requests the release's pack through the local pack API (the same handler and assembler as in
 * Lambda), waits for it, downloads it and takes report.html out of it.
 */
async function requestPack(
  plane: LocalPlane,
  releaseId: string,
  pinned: { spki: Uint8Array },
  progress: (line: string) => void,
): Promise<{ packId: string; packPath: string; reportPath: string; requestedBy: string }> {
  const dir = join(localStateDir(), "packs");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "signing-public-key.pem"), spkiToPem(pinned.spki));
  const api = new PackApiClient({
    url: plane.endpoints.apiUrl,
    region: plane.resources.region,
    // The emulator identifies any access key as its default user.
    credentials: async () => ({ accessKeyId: "AKIADEMOAUDITOR", secretAccessKey: "demo" }),
  });
  type Job = {
    packId: string;
    status: string;
    requestedBy: string;
    error?: string;
    progress?: { records: number; total: number };
  };
  const created = await api.request<Job>("POST", "/packs", {
    scope: { kind: "release", releaseId },
    requestReference: "DEMO-AUDIT-1",
  });
  let job = created.body;
  for (let attempt = 0; job.status !== "ready"; attempt++) {
    if (job.status === "failed") throw new Error(`the pack failed: ${job.error ?? "no reason"}`);
    if (attempt > 600) throw new Error(`the pack is still ${job.status} after a minute`);
    progress(
      `   waiting for pack ${job.packId}: ${job.status}${job.progress ? ` ${job.progress.records}/${job.progress.total} records` : ""}`,
    );
    await sleep(100);
    job = (await api.request<Job>("GET", `/packs/${job.packId}`)).body;
  }
  const link = (await api.request<{ url: string }>("GET", `/packs/${job.packId}/download`)).body;
  const response = await fetch(link.url);
  if (!response.ok) throw new Error(`the download link answered HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const packPath = join(dir, `${releaseId.replace(/[^A-Za-z0-9._-]/g, "_")}.evidence.tar.gz`);
  await writeFile(packPath, bytes);
  const reportPath = join(dir, `${releaseId.replace(/[^A-Za-z0-9._-]/g, "_")}.report.html`);
  for await (const entry of readPackEntries(Readable.from([bytes]))) {
    const parts: Buffer[] = [];
    for await (const chunk of entry.content) parts.push(chunk);
    if (entry.path === REPORT_PATH) await writeFile(reportPath, Buffer.concat(parts));
  }
  return { packId: job.packId, packPath, reportPath, requestedBy: job.requestedBy };
}

/** A copy of the pack with one recorded approval decision changed, lengths kept. */
function tamper(pack: Buffer): Buffer {
  const tar = gunzipSync(pack);
  const text = tar.toString("latin1");
  const at = text.indexOf('"decision":"approved"');
  if (at < 0) throw new Error("the demo pack holds no approval to tamper with");
  const changed = Buffer.from(tar);
  changed.write('"decision":"rejected"', at, "latin1");
  return gzipSync(changed);
}

if (import.meta.main) {
  const interactive = process.stderr.isTTY === true;
  const progress = (line: string) => {
    if (interactive) process.stderr.write(`\r\x1b[2K${line}`);
  };
  const say = (line: string) => {
    if (interactive) process.stderr.write("\r\x1b[2K");
    process.stdout.write(`${line}\n`);
  };
  try {
    const result = await runDemo(say, progress);
    process.exitCode = result.packValid && !result.tamperedValid && result.deleteDenied ? 0 : 1;
  } catch (error) {
    say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
