import type { Finding } from "./findings.ts";
import type { KeyUsageReport } from "./report.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
.meta{color:#57606a;margin:.15rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.sev{display:inline-block;border-radius:3px;padding:0 .4rem;font-weight:600;font-size:12px;color:#fff}
.sev-high{background:#cf222e}.sev-medium{background:#bf8700}.sev-low{background:#57606a}
.ok{color:#1a7f37;font-weight:600}
.finding{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.finding p{margin:.3rem 0}
@media print{body{margin:0}.finding{break-inside:avoid}}
`;

function code(text: string | undefined): string {
  return text === undefined ? "" : `<code>${escapeHtml(text)}</code>`;
}

function findingHtml(finding: Finding): string {
  const facts: [string, string | undefined][] = [
    ["Key", finding.keyArn],
    ["Operation", finding.operation],
    ["Principal", finding.principal],
    ["Account", finding.sourceAccount],
    ["Region", finding.region],
    ["Error", finding.errorCode],
    ["Ledger entry", finding.ref],
    ["First", finding.first],
    ["Last", finding.first === finding.last ? undefined : finding.last],
    ["Request ids", finding.requestIds?.join(", ")],
    ["Parameters", finding.detail ? JSON.stringify(finding.detail) : undefined],
  ];
  const rows = facts
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => `<tr><th>${label}</th><td>${code(value)}</td></tr>`)
    .join("");
  return `<div class="finding"><p><span class="sev sev-${finding.severity}">${finding.severity.toUpperCase()}</span> <strong>${escapeHtml(finding.code)}</strong> &middot; ${finding.count} call(s)</p><p>${escapeHtml(finding.message)}</p><table>${rows}</table></div>`;
}

/**
 * The report as one self-contained HTML page: inline styles, no scripts, no external resources,
 * readable offline and printable.
 */
export function renderHtml(report: KeyUsageReport): string {
  const parts: string[] = [];
  const high = report.findings.filter((f) => f.severity === "high").length;
  parts.push(
    `<h1>KMS key usage review</h1>`,
    `<p class="meta">${escapeHtml(report.source)}</p>`,
    `<p class="meta">${
      report.window
        ? `Window ${code(report.window.start)} to ${code(report.window.end)} &middot; ${report.calls} call(s) on ${report.keys.length} key(s)`
        : "No KMS calls found"
    }</p>`,
    `<p class="meta">Generated ${code(report.generatedAt)}</p>`,
  );
  if (!report.expectationsGiven) {
    parts.push(
      `<p>No expectations file was given, so every principal that signs or decrypts is reported as not configured.</p>`,
    );
  }
  parts.push(`<h2>Findings</h2>`);
  if (report.findings.length === 0) {
    parts.push(`<p class="ok">No findings.</p>`);
  } else {
    parts.push(`<p>${report.findings.length} finding(s), ${high} high.</p>`);
    parts.push(
      `<table><thead><tr><th>Severity</th><th>Finding</th><th>Operation</th><th>Principal or ledger entry</th><th>Calls</th></tr></thead><tbody>`,
      ...report.findings.map(
        (f) =>
          `<tr><td><span class="sev sev-${f.severity}">${f.severity.toUpperCase()}</span></td><td>${escapeHtml(f.code)}</td><td>${escapeHtml(f.operation ?? "")}</td><td>${code(f.principal ?? f.ref)}</td><td class="num">${f.count}</td></tr>`,
      ),
      `</tbody></table>`,
    );
    parts.push(...report.findings.map(findingHtml));
  }
  if (report.reconciliation) {
    const r = report.reconciliation;
    parts.push(
      `<h2>Reconciliation</h2>`,
      `<p>Ledger: ${escapeHtml(r.ledger)}</p>`,
      `<table><tbody>`,
      `<tr><th>Signing keys</th><td>${r.signingKeys.map((k) => code(k)).join("<br>")}</td></tr>`,
      `<tr><th>Sign calls in the logs</th><td class="num">${r.signCalls}</td></tr>`,
      `<tr><th>Ledger signatures</th><td class="num">${r.signatures}</td></tr>`,
      `<tr><th>Matched: records / manifests / abandoned</th><td class="num">${r.matchedByKind.record} / ${r.matchedByKind.manifest} / ${r.matchedByKind.abandoned}</td></tr>`,
      `<tr><th>Signatures outside the logs' window</th><td class="num">${r.outsideWindow}</td></tr>`,
      `</tbody></table>`,
    );
  }
  parts.push(`<h2>Keys</h2>`);
  parts.push(
    `<table><thead><tr><th>Key</th><th>Calls</th><th>Failed</th><th>Principals</th><th>First use</th><th>Last use</th></tr></thead><tbody>`,
    ...report.keys.map(
      (k) =>
        `<tr><td>${code(k.keyArn)}</td><td class="num">${k.calls}</td><td class="num">${k.failed}</td><td class="num">${k.principals}</td><td>${code(k.firstUse)}</td><td>${code(k.lastUse)}</td></tr>`,
    ),
    `</tbody></table>`,
  );
  parts.push(`<h2>Usage</h2>`);
  parts.push(
    `<table><thead><tr><th>Key</th><th>Operation</th><th>Principal</th><th>Account</th><th>Regions</th><th>Calls</th><th>Failed</th><th>First use</th><th>Last use</th></tr></thead><tbody>`,
    ...report.usage.map(
      (row) =>
        `<tr><td>${code(row.keyArn)}</td><td>${escapeHtml(row.operation)}</td><td>${code(row.principal)}</td><td>${code(row.sourceAccount)}</td><td>${escapeHtml(row.regions.join(", "))}</td><td class="num">${row.count}</td><td class="num">${row.errors.reduce((n, e) => n + e.count, 0)}</td><td>${code(row.firstUse)}</td><td>${code(row.lastUse)}</td></tr>`,
    ),
    `</tbody></table>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>KMS key usage review</title>
<style>${STYLE}</style>
</head>
<body>
${parts.join("\n")}
</body>
</html>
`;
}
