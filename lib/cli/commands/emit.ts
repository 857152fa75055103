import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CanonicalInputError, canonicalize, strictParse } from "../../core/canonical/index.ts";
import type { JsonObject, JsonValue } from "../../core/canonical/json-value.ts";
import { isDigest } from "../../core/digest.ts";
import {
  issueFromParseError,
  type ValidationIssue,
  validateEvent,
} from "../../core/events/index.ts";
import { buildEvent, type EventInput, EventInputError } from "../../emit/build.ts";
import { detectCi } from "../../emit/ci.ts";
import { fileDigest, InputFileError, rememberedOccurredAt, stateDir } from "../../emit/files.ts";
import { defaultSource, putEventsRequest } from "../../emit/request.ts";
import {
  type CliIo,
  type Command,
  EXIT,
  type OptionValues,
  parseOptionsOnly,
  UsageError,
} from "../io.ts";

const USAGE = `usage: evidence emit --type TYPE [event flags] [--bus ARN] [--dry-run] [--json]
       evidence emit --file EVENT.json|- [--bus ARN] [--dry-run] [--json]

Builds an evidence event, validates it with the schemas the ingest uses, and puts it on the
evidence bus. In GitHub Actions, AWS CodeBuild and GitLab CI the commit, repository, actor and
run details come from the job's environment (docs/producers.md lists them).

Event:
  --file FILE|-            the whole event as JSON (no CI defaults are added)
  --type TYPE              event type, e.g. build.completed
  --release ID             subject.releaseId
  --service NAME           subject.service
  --environment NAME       subject.environment
  --commit SHA             subject.commit (default: the CI commit)
  --repository NAME        subject.repository (default: the CI repository)
  --artifact-file FILE     subject.artifactDigest = SHA-256 of FILE
  --artifact-digest DIGEST subject.artifactDigest given as sha256:<64 hex>
  --change-category CAT    changeCategory
  --data JSON              the type's data members (merged over the CI defaults)
  --data-file FILE         the same, from a file
  --set PATH=VALUE         set one member, e.g. --set data.passed=412 (VALUE is read as JSON
                           when it parses, else as text)
  --set-text PATH=TEXT     set one member to TEXT as a string, e.g. an account id
  --digest PATH=FILE       set a member to the SHA-256 of FILE, e.g. data.reportDigest=junit.xml
  --actor ID               who emits (default in CI: the job's workload identity)
  --actor-kind KIND        human or workload
  --actor-name NAME        actor.displayName
  --occurred-at TIME       when it happened, RFC 3339 (default: now)
  --id ID                  event id (default: a random UUID)
  --deterministic-id       derive the id from the CI run, job and step, so a retried step
                           sends the same event again and the ingest records it once
  --id-key KEY             tells apart several events of one type and subject from one job
  --no-ci                  ignore the CI environment

Delivery:
  --bus ARN                evidence bus (default: $EVIDENCE_BUS_ARN, else the local plane's bus)
  --source SOURCE          EventBridge source (default: evidence.<ci-system>, or evidence.cli)
  --region REGION          default: the bus ARN's Region
  --endpoint-url URL       AWS endpoint (default: the local plane's emulator for its bus)
  --dry-run                print the PutEvents request and send nothing
  --json                   print {"eventId","type","eventBridgeId"}

Exit status: 0 sent (or printed), 1 invalid event (nothing sent), 2 bad usage, unreadable
input or the bus refused the event.`;

const OPTIONS = {
  file: { type: "string" },
  type: { type: "string" },
  release: { type: "string" },
  service: { type: "string" },
  environment: { type: "string" },
  commit: { type: "string" },
  repository: { type: "string" },
  "artifact-file": { type: "string" },
  "artifact-digest": { type: "string" },
  "change-category": { type: "string" },
  data: { type: "string" },
  "data-file": { type: "string" },
  set: { type: "string", multiple: true },
  "set-text": { type: "string", multiple: true },
  digest: { type: "string", multiple: true },
  actor: { type: "string" },
  "actor-kind": { type: "string" },
  "actor-name": { type: "string" },
  "occurred-at": { type: "string" },
  id: { type: "string" },
  "deterministic-id": { type: "boolean" },
  "id-key": { type: "string" },
  "no-ci": { type: "boolean" },
  bus: { type: "string" },
  source: { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = OptionValues<typeof OPTIONS>;

/** Flags that build an event, which --file replaces. */
const BUILD_FLAGS = [
  "type",
  "release",
  "service",
  "environment",
  "commit",
  "repository",
  "artifact-file",
  "artifact-digest",
  "change-category",
  "data",
  "data-file",
  "set",
  "set-text",
  "digest",
  "actor",
  "actor-kind",
  "actor-name",
  "occurred-at",
  "id",
  "deterministic-id",
  "id-key",
] as const;

/** How the command reaches the world; tests replace the parts they need. */
export interface EmitDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly randomId: () => string;
  /** Puts the entry on the bus and returns the EventBridge id. */
  readonly send?: (
    entry: { source: string; detailType: string; detail: string },
    options: { bus?: string; region?: string; endpointUrl?: string },
  ) => Promise<{ eventBridgeId: string; bus: string }>;
  /** Finds the bus for --dry-run without sending (undefined when none is configured). */
  readonly busName?: (options: { bus?: string }) => Promise<string | undefined>;
}

function parseJson(text: string, what: string): JsonValue {
  try {
    return strictParse(text);
  } catch (error) {
    if (error instanceof CanonicalInputError)
      throw new UsageError(`${what} is not valid JSON: ${error.message}`);
    throw error;
  }
}

async function readText(path: string, io: CliIo): Promise<string> {
  if (path === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message}`,
    );
  }
}

function splitAssignment(text: string, flag: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0)
    throw new UsageError(`${flag} takes PATH=VALUE, e.g. ${flag} data.passed=412; got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** VALUE of --set: JSON when it parses (numbers, booleans, quoted strings, objects), else text. */
function setValue(text: string): JsonValue {
  try {
    return strictParse(text);
  } catch {
    return text;
  }
}

async function eventInput(values: Values, io: CliIo): Promise<EventInput> {
  const type = values.type;
  if (type === undefined)
    throw new UsageError(`give --type (or --file with a whole event)\n\n${USAGE}`);
  if (values["artifact-file"] !== undefined && values["artifact-digest"] !== undefined) {
    throw new UsageError("give --artifact-file or --artifact-digest, not both");
  }
  if (values.data !== undefined && values["data-file"] !== undefined) {
    throw new UsageError("give --data or --data-file, not both");
  }
  const digestFlag = values["artifact-digest"];
  if (digestFlag !== undefined && !isDigest(digestFlag)) {
    throw new UsageError(
      `--artifact-digest must be sha256:<64 lowercase hex>; got "${digestFlag}"`,
    );
  }
  const kindFlag = values["actor-kind"];
  if (kindFlag !== undefined && kindFlag !== "human" && kindFlag !== "workload") {
    throw new UsageError(`--actor-kind is human or workload; got "${kindFlag}"`);
  }
  const kind: "human" | "workload" | undefined = kindFlag;
  const dataText =
    values.data ?? (values["data-file"] ? await readText(values["data-file"], io) : undefined);
  let data: JsonObject | undefined;
  if (dataText !== undefined) {
    const parsed = parseJson(
      dataText,
      values.data !== undefined ? "--data" : (values["data-file"] ?? "--data-file"),
    );
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new UsageError("--data must be a JSON object of the type's data members");
    }
    data = parsed;
  }
  const assignments: Array<readonly [string, JsonValue]> = [];
  for (const text of values.set ?? []) {
    const [path, raw] = splitAssignment(text, "--set");
    assignments.push([path, setValue(raw)]);
  }
  for (const text of values["set-text"] ?? []) {
    assignments.push(splitAssignment(text, "--set-text"));
  }
  for (const text of values.digest ?? []) {
    const [path, file] = splitAssignment(text, "--digest");
    assignments.push([path, await fileDigest(file)]);
  }
  const artifactDigest =
    digestFlag ?? (values["artifact-file"] ? await fileDigest(values["artifact-file"]) : undefined);
  const actor = {
    ...(values.actor !== undefined ? { id: values.actor } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(values["actor-name"] !== undefined ? { displayName: values["actor-name"] } : {}),
  };
  return {
    type,
    ...(values.id !== undefined ? { id: values.id } : {}),
    ...(values["deterministic-id"] ? { deterministicId: true } : {}),
    ...(values["id-key"] !== undefined ? { idKey: values["id-key"] } : {}),
    ...(values["occurred-at"] !== undefined ? { occurredAt: values["occurred-at"] } : {}),
    ...(Object.keys(actor).length > 0 ? { actor } : {}),
    subject: {
      releaseId: values.release,
      service: values.service,
      environment: values.environment,
      commit: values.commit,
      repository: values.repository,
      artifactDigest,
    },
    ...(values["change-category"] !== undefined
      ? { changeCategory: values["change-category"] }
      : {}),
    ...(data ? { data } : {}),
    assignments,
  };
}

function printIssues(
  io: CliIo,
  issues: readonly ValidationIssue[],
  json: boolean,
  event?: JsonObject,
): void {
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ valid: false, ...(event?.id ? { eventId: event.id } : {}), issues })}\n`,
    );
    return;
  }
  const count = issues.length;
  io.stderr.write(
    `evidence emit: the event is invalid (${count} issue${count === 1 ? "" : "s"}); nothing was sent\n${issues.map((i) => `  ${i.message}\n`).join("")}`,
  );
}

/** Creates the command with its dependencies; {@link emitCommand} uses the real ones. */
export function createEmitCommand(deps: EmitDeps): Command {
  return {
    name: "emit",
    summary: "build, validate and put an evidence event on the evidence bus",
    async run(args, io) {
      const values = parseOptionsOnly(args, OPTIONS, USAGE, io);
      if (values === undefined) return EXIT.ok;
      const json = values.json === true;
      const ci = values["no-ci"] ? undefined : detectCi(deps.env);
      let event: JsonObject;
      try {
        if (values.file !== undefined) {
          const extra = BUILD_FLAGS.filter((flag) => values[flag] !== undefined);
          if (extra.length > 0) {
            throw new UsageError(
              `--file gives the whole event; drop --${extra.join(", --")} or put them in the file`,
            );
          }
          let parsed: JsonValue;
          try {
            parsed = strictParse(await readText(values.file, io));
          } catch (error) {
            if (error instanceof CanonicalInputError) {
              printIssues(io, [issueFromParseError(error)], json);
              return EXIT.invalid;
            }
            throw error;
          }
          const fileVerdict = validateEvent(parsed);
          if (!fileVerdict.valid) {
            printIssues(io, fileVerdict.issues, json);
            return EXIT.invalid;
          }
          event = parsed as JsonObject;
        } else {
          const input = await eventInput(values, io);
          event = buildEvent(input, {
            ...(ci ? { ci } : {}),
            env: deps.env,
            now: deps.now(),
            randomId: deps.randomId,
          });
          if (input.deterministicId && input.id === undefined && input.occurredAt === undefined) {
            event.occurredAt = await rememberedOccurredAt(
              stateDir(deps.env),
              String(event.id),
              String(event.occurredAt),
            );
          }
        }
      } catch (error) {
        if (error instanceof EventInputError || error instanceof InputFileError)
          throw new UsageError(error.message);
        throw error;
      }

      const verdict = validateEvent(event);
      if (!verdict.valid) {
        printIssues(io, verdict.issues, json, event);
        return EXIT.invalid;
      }
      const source = values.source ?? defaultSource(ci?.system);
      if (!source.startsWith("evidence.")) {
        throw new UsageError(
          `--source must start with "evidence." (the evidence bus rule takes only those); got "${source}"`,
        );
      }
      const detail = canonicalize(event);
      if (values["dry-run"]) {
        const bus = await deps.busName?.({
          ...(values.bus !== undefined ? { bus: values.bus } : {}),
        });
        if (bus === undefined) {
          io.stderr.write(
            "evidence emit: no bus configured (--bus or EVIDENCE_BUS_ARN); EventBusName below is a placeholder\n",
          );
        }
        io.stdout.write(
          `${JSON.stringify(putEventsRequest(event, source, bus ?? "<evidence bus ARN>"), null, 2)}\n`,
        );
        return EXIT.ok;
      }
      if (!deps.send) throw new UsageError("sending is not available here");
      const sent = await deps.send(
        { source, detailType: String(event.type), detail },
        {
          ...(values.bus !== undefined ? { bus: values.bus } : {}),
          ...(values.region !== undefined ? { region: values.region } : {}),
          ...(values["endpoint-url"] !== undefined ? { endpointUrl: values["endpoint-url"] } : {}),
        },
      );
      if (json) {
        io.stdout.write(
          `${JSON.stringify({ eventId: event.id, type: event.type, eventBridgeId: sent.eventBridgeId })}\n`,
        );
      } else {
        io.stdout.write(`${String(event.id)}\n`);
        io.stderr.write(
          `evidence emit: ${String(event.type)} ${String(event.id)} put on ${sent.bus} (EventBridge id ${sent.eventBridgeId})\n`,
        );
      }
      return EXIT.ok;
    },
  };
}

/** `evidence emit`: build, validate and put an evidence event on the evidence bus. */
export const emitCommand: Command = createEmitCommand({
  env: process.env,
  now: () => new Date(),
  randomId: randomUUID,
  async send(entry, options) {
    const { resolveBus, sendEvent, NoBusError } = await import("../../emit/send.ts");
    try {
      const to = await resolveBus({ ...options, env: process.env });
      const eventBridgeId = await sendEvent(to, entry);
      return { eventBridgeId, bus: to.bus };
    } catch (error) {
      if (error instanceof NoBusError) throw new UsageError(error.message);
      throw new UsageError(
        `the event was not put on the bus: ${(error as Error).message}. Check the credentials (aws sts get-caller-identity), the bus ARN, and that the bus policy lets this account put events.`,
      );
    }
  },
  async busName(options) {
    const named = options.bus ?? process.env.EVIDENCE_BUS_ARN;
    if (named) return named;
    const { readEndpoints } = await import("../../local/endpoints.ts");
    return readEndpoints()
      .then((local) => local.busName)
      .catch(() => undefined);
  },
});
