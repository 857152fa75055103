import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { HTTP_STATUS, PackServiceError } from "./errors.ts";
import type { PackJob } from "./jobs.ts";
import { applyLegalHold, type LegalHoldDeps, releaseLegalHold } from "./legal-hold.ts";
import { holdScope, parseScope, SCOPE_FIELDS } from "./scope.ts";
import { downloadLink, type PackServiceDeps, packStatus, requestPack } from "./service.ts";

/** What the API handler needs: the pack service and legal holds, built once. */
export interface PackApiDeps {
  readonly service: PackServiceDeps;
  readonly holds: LegalHoldDeps;
}

/** How long the handler may keep working on a legal hold before it answers "call again". */
export interface RequestBudget {
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
}

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

function respond(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * The caller's IAM principal, from the request context API Gateway fills in after checking the
 * SigV4 signature (IAM authorization). Never read from the body or a header a caller sets.
 */
export function callerOf(event: APIGatewayProxyEvent): string {
  const identity = event.requestContext?.identity;
  const arn = identity?.userArn ?? undefined;
  if (!arn) {
    throw new PackServiceError(
      "unauthenticated",
      "the request carries no IAM identity: sign it with AWS credentials (SigV4), for example with `evidence pack` or `evidence legal-hold`",
    );
  }
  return arn;
}

function body(event: APIGatewayProxyEvent): Record<string, unknown> {
  if (!event.body) {
    throw new PackServiceError("invalid-request", "the request has no body; send a JSON object");
  }
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, "base64").toString("utf8")
    : event.body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PackServiceError(
      "invalid-request",
      `the body is not JSON (${(error as Error).message})`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new PackServiceError("invalid-request", "the body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function only(value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw new PackServiceError(
        "invalid-request",
        `unknown member "${name}"; the body has ${allowed.join(", ")}`,
      );
    }
  }
}

function text(value: unknown, name: string, max: number, required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.trim().length === 0 || value.length > max) {
    throw new PackServiceError(
      "invalid-request",
      `${name}: expected text of 1 to ${max} characters`,
    );
  }
  return value;
}

function reference(value: unknown, name: string): string {
  const found = text(value, name, 128) as string;
  if (!new RegExp(SCOPE_FIELDS.reference.pattern).test(found)) {
    throw new PackServiceError(
      "invalid-request",
      `${name}: use letters, digits and . _ : / # - (starting with a letter or digit), such as LIT-2026-0031`,
    );
  }
  return found;
}

/** The public view of a pack request. */
export function jobView(job: PackJob) {
  return {
    packId: job.packId,
    status: job.status,
    scope: job.scope,
    requestedBy: job.requestedBy,
    ...(job.requestReference ? { requestReference: job.requestReference } : {}),
    requestedAt: job.requestedAt,
    updatedAt: job.updatedAt,
    attempts: job.attempts,
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(job.result
      ? {
          pack: {
            bytes: job.result.bytes,
            packDigest: job.result.packDigest,
            manifestDigest: job.result.manifestDigest,
            records: job.result.records,
            streams: job.result.streams,
            releases: job.result.releases,
            generatedAt: job.result.generatedAt,
            versionId: job.result.versionId,
          },
        }
      : {}),
  };
}

const ROUTES: ReadonlyArray<{
  method: string;
  pattern: RegExp;
  run: (
    match: RegExpExecArray,
    event: APIGatewayProxyEvent,
    deps: PackApiDeps,
    budget: RequestBudget,
  ) => Promise<APIGatewayProxyResult>;
}> = [
  {
    method: "POST",
    pattern: /^\/packs\/?$/,
    async run(_m, event, deps) {
      const caller = callerOf(event);
      const request = body(event);
      only(request, ["scope", "requestReference"]);
      const requestReference = text(request.requestReference, "requestReference", 128, false);
      const job = await requestPack(
        { scope: parseScope(request.scope), ...(requestReference ? { requestReference } : {}) },
        caller,
        deps.service,
      );
      return respond(202, jobView(job), { location: `/packs/${job.packId}` });
    },
  },
  {
    method: "GET",
    pattern: /^\/packs\/([^/]+)\/download\/?$/,
    async run(match, event, deps) {
      callerOf(event);
      const link = await downloadLink(decodeURIComponent(match[1] ?? ""), deps.service);
      return respond(200, {
        url: link.url,
        expiresAt: link.expiresAt,
        bytes: link.result.bytes,
        packDigest: link.result.packDigest,
        versionId: link.result.versionId,
      });
    },
  },
  {
    method: "GET",
    pattern: /^\/packs\/([^/]+)\/?$/,
    async run(match, event, deps) {
      callerOf(event);
      return respond(
        200,
        jobView(await packStatus(decodeURIComponent(match[1] ?? ""), deps.service)),
      );
    },
  },
  {
    method: "POST",
    pattern: /^\/legal-holds\/?$/,
    async run(_m, event, deps, budget) {
      const caller = callerOf(event);
      const request = body(event);
      only(request, ["caseId", "reason", "scope"]);
      const outcome = await applyLegalHold(
        {
          caseId: reference(request.caseId, "caseId"),
          reason: text(request.reason, "reason", 2000) as string,
          scope: holdScope(parseScope(request.scope, ["release", "window"])),
          caller,
        },
        deps.holds,
        () => budget.remainingMs() < 5_000,
      );
      return respond(outcome.complete ? 200 : 202, outcome);
    },
  },
  {
    method: "POST",
    pattern: /^\/legal-holds\/([^/]+)\/release\/?$/,
    async run(match, event, deps, budget) {
      const caller = callerOf(event);
      const request = body(event);
      only(request, ["reason", "scope"]);
      const outcome = await releaseLegalHold(
        {
          caseId: reference(decodeURIComponent(match[1] ?? ""), "caseId"),
          reason: text(request.reason, "reason", 2000) as string,
          caller,
          ...(request.scope === undefined
            ? {}
            : { expectedScope: holdScope(parseScope(request.scope, ["release", "window"])) }),
        },
        deps.holds,
        () => budget.remainingMs() < 5_000,
      );
      return respond(outcome.complete ? 200 : 202, outcome);
    },
  },
];

/**
 * Serves the pack API: POST /packs, GET /packs/{packId}, GET /packs/{packId}/download, POST
 * /legal-holds, POST /legal-holds/{caseId}/release. Errors become JSON `{ code, message }`
 * with one HTTP status per error code; anything unexpected is a 500 with no internals.
 */
export async function handlePackApi(
  event: APIGatewayProxyEvent,
  deps: PackApiDeps,
  budget: RequestBudget,
  onUnexpected: (error: unknown) => void = () => {},
): Promise<APIGatewayProxyResult> {
  const path = event.path ?? "/";
  const matching = ROUTES.filter((route) => route.pattern.test(path));
  const route = matching.find((r) => r.method === event.httpMethod);
  if (!route) {
    return matching.length > 0
      ? respond(405, {
          code: "method-not-allowed",
          message: `${event.httpMethod} is not allowed on ${path}; use ${matching.map((r) => r.method).join(" or ")}`,
        })
      : respond(404, { code: "no-route", message: `no route for ${event.httpMethod} ${path}` });
  }
  try {
    return await route.run(route.pattern.exec(path) as RegExpExecArray, event, deps, budget);
  } catch (error) {
    if (error instanceof PackServiceError) {
      return respond(HTTP_STATUS[error.code], { code: error.code, message: error.message });
    }
    onUnexpected(error);
    return respond(500, {
      code: "internal",
      message: "the pack API failed; the error is in its log, try again later",
    });
  }
}
