import type { JsonObject } from "../../lib/core/canonical/index.ts";
import type { QuarantineCode } from "../../lib/pipeline/delivery.ts";
import { sampleBuild } from "./events.ts";
import { eventBridgeBody } from "./plane.ts";

/** One kind of bad delivery: the SQS body and the reason it must be quarantined for. */
export interface BadInput {
  readonly name: string;
  readonly body: string;
  readonly code: QuarantineCode;
  /** JSON path the first reason must name. */
  readonly path?: string;
}

const RELEASE = "bad-input@1.0.0";

function event(n: number, change: (event: JsonObject) => void = () => {}): JsonObject {
  const built = sampleBuild(RELEASE, n);
  change(built);
  return built;
}

/** A delivery whose detail is `event` as JSON, with an envelope that matches it. */
function delivery(
  detail: JsonObject,
  envelope: Parameters<typeof eventBridgeBody>[1] = {},
): string {
  return eventBridgeBody(JSON.stringify(detail), { detailType: String(detail.type), ...envelope });
}

/** A delivery whose detail is the given raw JSON text. */
function rawDetail(text: string): string {
  return eventBridgeBody(text, { detailType: "build.completed" });
}

const data = (e: JsonObject) => e.data as JsonObject;
const subject = (e: JsonObject) => e.subject as JsonObject;
const valid = JSON.stringify(event(0));

/** Every kind of bad input the pipeline must quarantine (never drop, never record). */
export const BAD_INPUTS: readonly BadInput[] = [
  // Not JSON, or JSON that an ordinary parser would silently change.
  { name: "empty body", body: "", code: "malformed-json" },
  { name: "truncated JSON", body: delivery(event(1)).slice(0, 80), code: "malformed-json" },
  {
    name: "text after the JSON value",
    body: `${delivery(event(2))} trailing`,
    code: "malformed-json",
  },
  { name: "single-quoted strings", body: rawDetail("{'id':'x'}"), code: "malformed-json" },
  { name: "NaN literal", body: rawDetail('{"id":NaN}'), code: "malformed-json" },
  { name: "Infinity literal", body: rawDetail('{"id":Infinity}'), code: "malformed-json" },
  {
    name: "number overflowing to infinity",
    body: rawDetail('{"n":1e400}'),
    code: "malformed-json",
  },
  { name: "byte order mark", body: `\ufeff${delivery(event(3))}`, code: "malformed-json" },
  { name: "trailing comma", body: rawDetail('{"id":"x",}'), code: "malformed-json" },
  { name: "comment", body: rawDetail('{/* c */"id":"x"}'), code: "malformed-json" },
  {
    name: "integer beyond 2^53",
    body: rawDetail(valid.replace('"buildId":"b-0"', '"buildId":12345678901234567890')),
    code: "unsafe-integer",
  },
  {
    name: "conflicting duplicate member in the event",
    body: rawDetail(
      valid.replace(
        '"type":"build.completed"',
        '"type":"build.completed","type":"deploy.completed"',
      ),
    ),
    code: "duplicate-key",
  },
  {
    name: "duplicate member in the envelope",
    body: delivery(event(4)).replace(
      '"source":"evidence.ci"',
      '"source":"evidence.ci","source":"evidence.other"',
    ),
    code: "duplicate-key",
  },
  {
    name: "escaped lone surrogate",
    body: rawDetail(valid.replace('"artifactName":"checkout-web"', '"artifactName":"\\ud800x"')),
    code: "lone-surrogate",
  },
  {
    name: "nesting 100 levels deep",
    body: rawDetail(`${"[".repeat(100)}${"]".repeat(100)}`),
    code: "too-deep",
  },
  {
    name: "oversized event",
    body: delivery(
      event(5, (e) => {
        data(e).artifactName = "x".repeat(300_000);
      }),
    ),
    code: "oversized",
  },
  // Not an EventBridge event.
  { name: "null", body: "null", code: "not-an-eventbridge-event" },
  { name: "array", body: "[]", code: "not-an-eventbridge-event" },
  { name: "string", body: '"hello"', code: "not-an-eventbridge-event" },
  { name: "number", body: "42", code: "not-an-eventbridge-event" },
  { name: "empty object", body: "{}", code: "not-an-eventbridge-event" },
  { name: "bare evidence event", body: valid, code: "not-an-eventbridge-event" },
  ...(["id", "detail-type", "source", "time", "detail"] as const).map((field) => {
    const envelope = JSON.parse(delivery(event(6))) as Record<string, unknown>;
    delete envelope[field];
    return {
      name: `envelope without ${field}`,
      body: JSON.stringify(envelope),
      code: "not-an-eventbridge-event" as const,
      path: field,
    };
  }),
  {
    name: "account that is not an account id",
    body: delivery(event(7), { account: "12345" }),
    code: "not-an-eventbridge-event",
    path: "account",
  },
  {
    name: "account as a number",
    body: delivery(event(8)).replace('"account":"123456789012"', '"account":123456789012'),
    code: "not-an-eventbridge-event",
    path: "account",
  },
  // From the wrong producer, or labelled as something else.
  {
    name: "AWS service source",
    body: delivery(event(9), { source: "aws.s3" }),
    code: "wrong-source",
  },
  {
    name: "source without the dot",
    body: delivery(event(10), { source: "evidence" }),
    code: "wrong-source",
  },
  {
    name: "source in capitals",
    body: delivery(event(11), { source: "EVIDENCE.ci" }),
    code: "wrong-source",
  },
  {
    name: "detail-type of another type",
    body: delivery(event(12), { detailType: "deploy.completed" }),
    code: "detail-type-mismatch",
  },
  // Valid JSON, invalid event.
  {
    name: "detail as a JSON string",
    body: rawDetail(JSON.stringify(valid)),
    code: "invalid-event",
  },
  { name: "detail null", body: rawDetail("null"), code: "invalid-event" },
  { name: "detail array", body: rawDetail("[]"), code: "invalid-event" },
  { name: "empty detail", body: rawDetail("{}"), code: "invalid-event" },
  {
    name: "unknown type",
    body: delivery(
      event(13, (e) => {
        e.type = "build.exploded";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "type in capitals",
    body: delivery(
      event(14, (e) => {
        e.type = "Build.Completed";
      }),
    ),
    code: "invalid-event",
  },
  ...(["id", "specVersion", "occurredAt", "subject", "actor", "data"] as const).map((field) => ({
    name: `event without ${field}`,
    body: delivery(
      event(15, (e) => {
        delete e[field];
      }),
    ),
    code: "invalid-event" as const,
  })),
  {
    name: "other spec version",
    body: delivery(
      event(16, (e) => {
        e.specVersion = "2.0";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "occurredAt not a time",
    body: delivery(
      event(17, (e) => {
        e.occurredAt = "yesterday";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "occurredAt without zone",
    body: delivery(
      event(18, (e) => {
        e.occurredAt = "2026-06-01T10:00:00";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "release id as a number",
    body: delivery(
      event(19, (e) => {
        subject(e).releaseId = 42;
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "artifact digest in capitals",
    body: delivery(
      event(20, (e) => {
        subject(e).artifactDigest = `sha256:${"B".repeat(64)}`;
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "artifact digest of another algorithm",
    body: delivery(
      event(21, (e) => {
        subject(e).artifactDigest = `md5:${"b".repeat(32)}`;
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "short commit id",
    body: delivery(
      event(22, (e) => {
        subject(e).commit = "abc1234";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "unknown top-level member",
    body: delivery(
      event(23, (e) => {
        e.severity = "high";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "unknown data member",
    body: delivery(
      event(24, (e) => {
        data(e).note = "x";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "__proto__ member",
    body: rawDetail(valid.replace('"data":{', '"data":{"__proto__":{"admin":true},')),
    code: "invalid-event",
  },
  {
    name: "build id as a number",
    body: delivery(
      event(25, (e) => {
        data(e).buildId = 7;
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "event id with spaces",
    body: delivery(
      event(26, (e) => {
        e.id = "build 26; rm -rf /";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "event id of 200 characters",
    body: delivery(
      event(27, (e) => {
        e.id = "a".repeat(200);
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "terminal escape in a name",
    body: delivery(
      event(28, (e) => {
        data(e).artifactName = "\u001b[2J\u001b[31mOK";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "forged log line in a one-line field",
    body: delivery(
      event(29, (e) => {
        data(e).artifactName = "web\nINFO all checks passed";
      }),
    ),
    code: "invalid-event",
  },
  {
    name: "empty release id",
    body: delivery(
      event(30, (e) => {
        subject(e).releaseId = "";
      }),
    ),
    code: "invalid-event",
  },
];

/** An event, and the same id later with other content: the second is a conflict. */
export const CONFLICT = {
  original: delivery(event(40)),
  changed: delivery(
    event(40, (e) => {
      data(e).buildId = "b-40-rebuilt";
    }),
  ),
};
