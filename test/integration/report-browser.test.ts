import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JsonObject, strictParse } from "../../lib/core/canonical/index.ts";
import { DEFAULT_CONTROL_MAP } from "../../lib/core/controls/index.ts";
import { buildRecord, type StreamHead } from "../../lib/core/records/index.ts";
import type { EvidenceRecord } from "../../lib/core/records/types.ts";
import {
  completenessStatement,
  ReportCollector,
  renderReport,
} from "../../lib/core/report/index.ts";
import { demoRelease } from "../../lib/local/demo-release.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];
const RELEASE = "infusion-dose-api@2026.03.2";
const NOW = "2026-03-20T09:45:00.000Z";
/** Where the screenshot and PDF are kept for people to look at. */
const OUTPUT = join(process.cwd(), ".evidence-local", "report-check");

/** A computed style property of an element; runs in the page (no DOM types here). */
const computed = (element: unknown, property: string): string =>
  (
    globalThis as unknown as {
      getComputedStyle(e: unknown): Record<string, string>;
    }
  ).getComputedStyle(element)[property] ?? "";

/** The report of a clinical-risk release with an exception, one record not archived. */
function report(): string {
  const exception = strictParse(
    readFileSync("examples/events/exception.approved.json", "utf8"),
  ) as JsonObject;
  const collector = new ReportCollector({ controlMap: DEFAULT_CONTROL_MAP, now: new Date(NOW) });
  const heads = new Map<string, StreamHead>();
  const records: EvidenceRecord[] = [];
  [exception, ...demoRelease({ releaseId: RELEASE })].forEach((event, i) => {
    const stream =
      event.type === "exception.approved" ? "control/exceptions" : `release/${RELEASE}`;
    const built = buildRecord({
      event: event as never,
      head: heads.get(stream),
      receivedAt: new Date(Date.parse("2026-03-02T08:00:00Z") + i * 3_600_000),
      sourceAccount: "111122223333",
      source: "evidence.ci",
    });
    heads.set(stream, { seq: built.record.seq, digest: built.digest });
    records.push(built.record);
    collector.add(built.record, {
      stream: built.record.stream,
      seq: built.record.seq,
      key: `records/00/${built.record.stream}/${String(built.record.seq).padStart(12, "0")}.json`,
      archived: i !== 7,
      versions: i === 7 ? 0 : 1,
      ...(i === 7
        ? {}
        : {
            versionId: `3f9a${i}`,
            lockMode: "COMPLIANCE",
            retainUntil: "2033-03-04T00:00:00.000Z",
          }),
      legalHold: i < 3,
      copy: i === 7 ? "unchecked" : "identical",
    });
  });
  const streams = [...heads].map(([stream, head]) => ({
    stream,
    firstSeq: 1,
    headSeq: head.seq,
    headDigest: head.digest,
    records: head.seq,
  }));
  return renderReport({
    packId: "pack-20260320-7f3a9c0b1d2e3f405162",
    scope: { kind: "release", value: RELEASE },
    generatedAt: NOW,
    generator: {
      name: "evidence-plane",
      version: "0.1.0",
      identity: "arn:aws:lambda:eu-west-1:999988887777:function:evidence-pack-assembler",
    },
    key: { keyId: "arn:aws:kms:eu-west-1:999988887777:key/0f1e2d3c", fingerprint: "a1".repeat(32) },
    records: records.length,
    completeness: completenessStatement({
      scope: { kind: "release", value: RELEASE },
      generatedAt: NOW,
      resolvedBy: "the release's own stream",
      streams,
      planned: streams.map((s) => ({ stream: s.stream, whole: true })),
    }),
    collected: collector.finish(),
    controlMap: DEFAULT_CONTROL_MAP,
    requestedBy: "arn:aws:sts::999988887777:assumed-role/auditor/e.rossi",
    requestReference: "AUD-2026-014",
  });
}

describe("report.html in headless Chromium", () => {
  let context: BrowserContext;
  let profile: string;
  let file: string;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // Installs Debian's chromium with apt-get when it is missing (a fresh machine).
    execFileSync(process.execPath, ["scripts/ensure-chromium.mjs"], { stdio: "inherit" });
    mkdirSync(OUTPUT, { recursive: true });
    file = join(OUTPUT, "report.html");
    writeFileSync(file, report());
    profile = mkdtempSync(join(tmpdir(), "report-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: FLAGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
    context.on("request", (request) => requests.push(request.url()));
    context.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it("loads with no console errors and fetches nothing but itself", async () => {
    const page = await context.newPage();
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(file).href);
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    await page.close();
  });

  it("shows every key section, gaps in red, and fits the page width", async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    const headings = await page.locator("h2").allTextContents();
    expect(headings).toEqual(
      expect.arrayContaining([
        "Summary",
        "What this pack proves complete",
        "Releases and controls",
        RELEASE,
        "Exceptions",
        "Archive and Object Lock",
        "What the verifier checks",
        "Control map",
      ]),
    );
    const h3 = await page.locator("h3").allTextContents();
    expect(h3).toEqual(
      expect.arrayContaining([
        "Control checklist",
        "Timeline: source, build and verification",
        "Timeline by environment",
        "Who approved what, and when",
      ]),
    );
    const gap = page.locator(".badge.gap").first();
    await expect(gap.textContent()).resolves.toBe("Gap");
    expect(await gap.evaluate(computed, "backgroundColor")).toBe("rgb(180, 35, 24)");
    expect(await page.locator("text=not archived").count()).toBeGreaterThan(0);
    const overflow = await page.evaluate("document.documentElement.scrollWidth");
    expect(overflow).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: join(OUTPUT, "report.png"), fullPage: true });
    await page.close();
  });

  it("prints: the table of contents hidden, each release on its own page, a multi-page PDF", async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("nav.toc").isVisible()).toBe(false);
    const release = page.locator("section.release").first();
    expect(await release.evaluate(computed, "breakBefore")).toBe("page");
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    writeFileSync(join(OUTPUT, "report.pdf"), pdf);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length).toBeGreaterThan(2);
    await page.close();
  });
});
