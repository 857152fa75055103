/**
 * Builders for evidence events used across tests. Each builder returns a fresh object so a
 * test can change it freely.
 */

/** A valid build event in release `r-100`, with optional top-level overrides. */
export function sampleEvent(overrides: Record<string, unknown> = {}) {
  return {
    id: "01J0000000000000000000000A",
    type: "build.completed",
    specVersion: "1.0",
    occurredAt: "2025-03-01T11:59:00.000Z",
    subject: { releaseId: "r-100", service: "payments", commit: "a".repeat(40) },
    actor: { kind: "workload", id: "github-actions" },
    data: { buildId: "b-1" },
    ...overrides,
  };
}
