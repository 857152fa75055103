/** Small, safe HTML building blocks for the report: every dynamic value goes through {@link esc}. */

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and attribute values. Control characters and bidirectional
 * overrides are shown as code points, so evidence text cannot reorder what an auditor reads.
 */
export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
    .replace(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
      (c) => `&lt;U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}&gt;`,
    );
}

/** `2026-03-04 07:41 UTC` for an RFC 3339 time; the text itself when it is not one. */
export function when(time: string | undefined): string {
  if (!time) return "";
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return esc(time);
  const iso = new Date(ms).toISOString();
  return `<time datetime="${esc(iso)}">${esc(iso.slice(0, 10))} ${esc(iso.slice(11, 16))}<span class="tz"> UTC</span></time>`;
}

/** A table from a header row and body rows of already-escaped cells. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { className?: string; empty?: string } = {},
): string {
  if (rows.length === 0) return `<p class="empty">${esc(options.empty ?? "None.")}</p>`;
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`);
  return `<table${options.className ? ` class="${options.className}"` : ""}><thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table>`;
}

/** `<code>` of a digest shortened for reading, with the whole digest as its title. */
export function digestCode(digest: string): string {
  const short = digest.startsWith("sha256:") ? `${digest.slice(0, 19)}…` : digest;
  return `<code class="digest" title="${esc(digest)}">${esc(short)}</code>`;
}

/** `n thing` / `n things`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;
}
