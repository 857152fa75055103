import { parseArgs } from "node:util";
import type { CliIo, Command } from "../io.ts";
import { EXIT, UsageError } from "../io.ts";

const USAGE = `usage: evidence reconcile [--json]
       evidence reconcile --table NAME --bucket NAME [--region REGION]
                          [--lock-mode COMPLIANCE|GOVERNANCE] [--retention-days JSON] [--json]

Compares the event table with the evidence bucket and archives every record the bucket lacks
(under Object Lock, with the retention of its evidence class). Present objects are never
rewritten; an object whose bytes differ from its record is reported, not touched.

With no --table/--bucket it reconciles the running local plane (.evidence-local/endpoints.json).
With them it uses the AWS credentials and Region of the environment.

  --table NAME          the event table
  --bucket NAME         the evidence bucket
  --region REGION       AWS Region (default: AWS_REGION)
  --lock-mode MODE      Object Lock mode of new objects (default COMPLIANCE)
  --retention-days JSON retention per evidence class, such as '{"release":2557}'
  --json                print the report as one JSON line

Exit status: 0 table and bucket agree (after archiving), 1 mismatched objects found,
2 bad usage or no running plane.`;

/** `evidence reconcile`: re-derive the archive from the table. */
export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "archive every record the evidence bucket lacks, and report mismatches",
  async run(args: string[], io: CliIo): Promise<number> {
    let values: ReturnType<typeof parse>["values"];
    try {
      const parsed = parse(args);
      values = parsed.values;
      if (parsed.positionals.length > 0) {
        throw new Error(`unexpected ${parsed.positionals.join(" ")}`);
      }
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
    }
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    if ((values.table === undefined) !== (values.bucket === undefined)) {
      throw new UsageError(`give both --table and --bucket, or neither\n\n${USAGE}`);
    }
    const { S3EvidenceArchive, createS3Client } = await import("../../adapters/archive-store.ts");
    const { DynamoEventStore } = await import("../../adapters/event-store.ts");
    const { emulatorTarget, targetFromEnv } = await import("../../adapters/aws-config.ts");
    const { parseRetention, PipelineEnvError } = await import("../../pipeline/env.ts");
    const { reconcileArchive } = await import("../../pipeline/reconcile.ts");
    const { SILENT_LOGGER, CountingMetrics } = await import("../../pipeline/telemetry.ts");

    let target: ReturnType<typeof targetFromEnv>;
    let table: string;
    let bucketName: string;
    if (values.table !== undefined && values.bucket !== undefined) {
      const env = targetFromEnv();
      target = values.region ? { ...env, region: values.region } : env;
      table = values.table;
      bucketName = values.bucket;
    } else {
      const { readEndpoints, NoLocalPlaneError } = await import("../../local/endpoints.ts");
      try {
        const endpoints = await readEndpoints();
        target = emulatorTarget(endpoints.awsEndpoint, endpoints.region);
        table = endpoints.table;
        bucketName = endpoints.evidenceBucket;
      } catch (error) {
        if (error instanceof NoLocalPlaneError) {
          throw new UsageError(
            `${error.message}, or name the AWS resources with --table and --bucket`,
          );
        }
        throw error;
      }
    }
    const lockMode = values["lock-mode"] ?? "COMPLIANCE";
    if (lockMode !== "COMPLIANCE" && lockMode !== "GOVERNANCE") {
      throw new UsageError("--lock-mode must be COMPLIANCE or GOVERNANCE");
    }
    let retention: ReturnType<typeof parseRetention>;
    try {
      retention = parseRetention(values["retention-days"]);
    } catch (error) {
      if (error instanceof PipelineEnvError) {
        throw new UsageError(error.message.replace("RETENTION_DAYS", "--retention-days"));
      }
      throw error;
    }

    const store = DynamoEventStore.forTarget(target, table);
    const bucket = new S3EvidenceArchive({ client: createS3Client(target), bucket: bucketName });
    try {
      const report = await reconcileArchive(
        { records: () => store.scanRecords(), archivedKeys: (prefix) => bucket.keys(prefix) },
        { bucket, lockMode, retention, logger: SILENT_LOGGER, metrics: new CountingMetrics() },
        (done) => io.stderr.write(`reconcile: ${done} records compared...\n`),
      );
      if (values.json) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        const lines = [
          `records in ${table}: ${report.records}`,
          `already archived:    ${report.present}`,
          `archived now:        ${report.archived.length}`,
          ...report.archived.map((key) => `  + s3://${bucketName}/${key}`),
          `mismatched objects:  ${report.mismatched.length}`,
          ...report.mismatched.map(
            (key) => `  ! s3://${bucketName}/${key} differs from its record: investigate`,
          ),
          `objects without a record: ${report.orphans.length}`,
          ...report.orphans.map((key) => `  ? s3://${bucketName}/${key}`),
        ];
        io.stdout.write(`${lines.join("\n")}\n`);
      }
      return report.mismatched.length > 0 ? EXIT.invalid : EXIT.ok;
    } finally {
      store.client.destroy();
      bucket.client.destroy();
    }
  },
};

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      table: { type: "string" },
      bucket: { type: "string" },
      region: { type: "string" },
      "lock-mode": { type: "string" },
      "retention-days": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
