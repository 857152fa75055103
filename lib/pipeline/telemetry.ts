/**
 * The logging and metrics the pipeline needs, shaped like Powertools' Logger and Metrics so the
 * Lambda handlers pass those in unchanged, while the local plane and tests pass quieter ones.
 */
export interface PipelineLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** Metric units the pipeline emits (CloudWatch names). */
export type PipelineMetricUnit = "Count" | "Milliseconds";

/** Metrics sink: namespace `EvidencePlane`. */
export interface PipelineMetrics {
  addMetric(name: PipelineMetricName, unit: PipelineMetricUnit, value: number): void;
}

/** Every metric the pipeline emits. */
export const PIPELINE_METRICS = [
  "EventsReceived",
  "EventsRecorded",
  "EventsDuplicate",
  "EventsQuarantined",
  "SeqConflicts",
  "SignaturesAbandoned",
  "RecordsArchived",
  "RecordsAlreadyArchived",
  "ArchiveMismatches",
] as const;
export type PipelineMetricName = (typeof PIPELINE_METRICS)[number];

/** Counts metrics in memory: what the local plane reports as its status. */
export class CountingMetrics implements PipelineMetrics {
  readonly counts = new Map<PipelineMetricName, number>();

  addMetric(name: PipelineMetricName, _unit: PipelineMetricUnit, value: number): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  /** The counts as a plain object, every metric present. */
  snapshot(): Record<PipelineMetricName, number> {
    return Object.fromEntries(
      PIPELINE_METRICS.map((name) => [name, this.counts.get(name) ?? 0]),
    ) as Record<PipelineMetricName, number>;
  }
}

/** A logger that keeps nothing (tests, benchmarks). */
export const SILENT_LOGGER: PipelineLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
