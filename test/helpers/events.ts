/**
 * Builders for evidence events used across tests. Each builder returns a fresh object so a
 * test can change it freely.
 */

/** A valid `build.completed` event in release `r-100`, with optional top-level overrides. */
export function sampleEvent(overrides: Record<string, unknown> = {}) {
  return {
    id: "01J0000000000000000000000A",
    type: "build.completed",
    specVersion: "1.0",
    occurredAt: "2025-03-01T11:59:00.000Z",
    subject: {
      releaseId: "r-100",
      service: "payments",
      repository: "github.com/acme/payments-api",
      commit: "a".repeat(40),
      artifactDigest: `sha256:${"b".repeat(64)}`,
    },
    actor: { kind: "workload", id: "github-actions" },
    data: {
      buildId: "b-1",
      builder: { id: "github.com/acme/payments-api/.github/workflows/build.yml@refs/heads/main" },
      artifactName: "payments-api",
    },
    ...overrides,
  };
}
