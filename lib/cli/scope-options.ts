import { UsageError } from "./io.ts";

/** Options of every command that calls the pack API: where it is, and how to answer. */
export const API_OPTIONS = {
  api: { type: "string" },
  region: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Options that name a release, or a time window (of one service, optionally). */
export const RELEASE_OR_WINDOW_OPTIONS = {
  release: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  service: { type: "string" },
} as const;

/** The window scope that `--from`, `--to` and `--service` give, checked; undefined without one. */
export function windowScope(values: {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly service?: string | undefined;
}): Record<string, string> | undefined {
  if ((values.from === undefined) !== (values.to === undefined)) {
    throw new UsageError("a window needs both --from and --to");
  }
  if (values.service !== undefined && values.from === undefined) {
    throw new UsageError("--service narrows a window; give it with --from and --to");
  }
  if (values.from === undefined || values.to === undefined) return undefined;
  return {
    kind: "window",
    from: values.from,
    to: values.to,
    ...(values.service ? { service: values.service } : {}),
  };
}
