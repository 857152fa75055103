import type { Finding } from "./findings.ts";
import type { KeyUsageReport } from "./report.ts";

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** `arn:aws:kms:eu-west-1:111122223333:key/1234abcd-...` shortened to `key/1234abcd-...` in tables. */
function shortKey(keyArn: string | undefined): string {
  if (keyArn === undefined) return "";
  const index = keyArn.indexOf(":key/");
  return index >= 0 ? keyArn.slice(index + 1) : keyArn;
}

function findingLine(finding: Finding): string[] {
  const where = [
    finding.keyArn ? shortKey(finding.keyArn) : undefined,
    finding.operation,
    finding.principal,
    finding.sourceAccount ? `account ${finding.sourceAccount}` : undefined,
    finding.region,
    finding.errorCode,
    finding.ref,
  ].filter((x) => x !== undefined);
  const when =
    finding.first === undefined
      ? ""
      : finding.first === finding.last
        ? ` at ${finding.first}`
        : ` from ${finding.first} to ${finding.last}`;
  const lines = [
    `  [${finding.severity.toUpperCase()}] ${finding.code} (${finding.count}${when})`,
    `      ${where.join(" | ")}`,
    `      ${finding.message}`,
  ];
  if (finding.requestIds && finding.requestIds.length > 0) {
    lines.push(`      request ids: ${finding.requestIds.join(", ")}`);
  }
  if (finding.detail) lines.push(`      detail: ${JSON.stringify(finding.detail)}`);
  return lines;
}

/** The report for a terminal: totals, usage table, findings, reconciliation. */
export function renderText(report: KeyUsageReport): string {
  const out: string[] = [];
  out.push(`Key usage review: ${report.source}`);
  out.push(
    report.window
      ? `Window: ${report.window.start} to ${report.window.end}; ${report.calls} KMS call(s) on ${report.keys.length} key(s)`
      : "Window: no KMS calls found",
  );
  if (report.callsOnOtherKeys > 0) {
    out.push(
      `${report.callsOnOtherKeys} call(s) on keys outside the expectations file were left out.`,
    );
  }
  if (!report.expectationsGiven) {
    out.push(
      "No --expect file: every principal that signs or decrypts is reported; list the expected ones in an expectations file (see docs/key-usage.md).",
    );
  }
  out.push("");
  if (report.usage.length > 0) {
    out.push("Usage");
    out.push(
      ...table(
        ["key", "operation", "principal", "account", "regions", "calls", "failed", "first", "last"],
        report.usage.map((row) => [
          shortKey(row.keyArn),
          row.operation,
          row.principal,
          row.sourceAccount,
          row.regions.join(","),
          String(row.count),
          String(row.errors.reduce((n, e) => n + e.count, 0)),
          row.firstUse,
          row.lastUse,
        ]),
      ),
    );
    out.push("");
  }
  if (report.reconciliation) {
    const r = report.reconciliation;
    out.push(`Reconciliation with ${r.ledger}`);
    out.push(
      `  ${r.signCalls} Sign call(s) on ${r.signingKeys.length} signing key(s); ${r.signatures} ledger signature(s); ${r.matched} matched (records ${r.matchedByKind.record}, manifests ${r.matchedByKind.manifest}, abandoned ${r.matchedByKind.abandoned}); ${r.outsideWindow} signature(s) outside the logs' window not judged`,
    );
    out.push("");
  }
  if (report.findings.length === 0) {
    out.push("Findings: none");
  } else {
    const high = report.findings.filter((f) => f.severity === "high").length;
    out.push(`Findings: ${report.findings.length} (${high} high)`);
    for (const finding of report.findings) out.push(...findingLine(finding));
  }
  return `${out.join("\n")}\n`;
}
