const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Reads `--since` / `--until`: a duration back from `now` (`30m`, `24h`, `7d`, `2w`) or an
 * RFC 3339 date or time (`2025-06-01`, `2025-06-01T12:00:00Z`). Returns undefined when the text
 * is neither.
 *
 * @example
 * parseInstant("7d", new Date("2025-06-08T00:00:00Z")) // 2025-06-01T00:00:00.000Z
 */
export function parseInstant(text: string, now: Date): Date | undefined {
  const duration = /^(\d+)([mhdw])$/.exec(text);
  if (duration) {
    const [, amount = "0", unit = "d"] = duration;
    return new Date(now.getTime() - Number(amount) * (UNITS[unit] ?? 0));
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isFinite(at) ? new Date(at) : undefined;
}
