import type { ArchivedObject, LockedPut } from "../../lib/adapters/archive-store.ts";
import { sha256Base64 } from "../../lib/adapters/archive-store.ts";
import type {
  AbandonedSignature,
  AppendOutcome,
  EventMarker,
  RecordItem,
} from "../../lib/adapters/event-store.ts";
import type { Digest } from "../../lib/core/digest.ts";
import type { StreamHead } from "../../lib/core/records/index.ts";
import type { IngestEventStore } from "../../lib/pipeline/ingest.ts";
import type { QuarantineStore } from "../../lib/pipeline/quarantine.ts";

/** The event table's conditional semantics, in memory. */
export class MemoryEventStore implements IngestEventStore {
  readonly records = new Map<string, RecordItem>();
  readonly markers = new Map<string, EventMarker>();
  readonly abandoned: AbandonedSignature[] = [];
  /** Called before each append: lets a test play a concurrent writer. */
  beforeAppend: ((record: RecordItem) => void) | undefined;

  async readHead(stream: string): Promise<StreamHead | undefined> {
    let head: StreamHead | undefined;
    for (const record of this.records.values()) {
      if (record.stream === stream && (!head || record.seq > head.seq)) {
        head = { seq: record.seq, digest: record.digest };
      }
    }
    return head;
  }

  async getEventMarker(eventId: string): Promise<EventMarker | undefined> {
    return this.markers.get(eventId);
  }

  async getRecord(stream: string, seq: number): Promise<RecordItem | undefined> {
    return this.records.get(`${stream}#${seq}`);
  }

  async append(record: RecordItem, eventDigest: Digest): Promise<AppendOutcome> {
    this.beforeAppend?.(record);
    const marker = this.markers.get(record.eventId);
    if (marker) return { kind: "event-known", marker };
    const key = `${record.stream}#${record.seq}`;
    if (this.records.has(key)) return { kind: "seq-taken" };
    this.records.set(key, record);
    this.markers.set(record.eventId, {
      eventId: record.eventId,
      eventDigest,
      stream: record.stream,
      seq: record.seq,
    });
    return { kind: "appended" };
  }

  async recordAbandonedSignature(signature: AbandonedSignature): Promise<void> {
    this.abandoned.push(signature);
  }
}

/** An Object Lock bucket in memory: keys are written once. */
export class MemoryBucket implements QuarantineStore {
  readonly objects = new Map<string, { body: Uint8Array; put: LockedPut }>();
  puts = 0;

  async putLocked(put: LockedPut): Promise<{ versionId?: string; sha256: string }> {
    this.puts++;
    this.objects.set(put.key, { body: put.body, put });
    return { versionId: `v${this.puts}`, sha256: sha256Base64(put.body) };
  }

  async head(key: string): Promise<ArchivedObject | undefined> {
    const object = this.objects.get(key);
    if (!object) return undefined;
    return {
      key,
      legalHold: false,
      lockMode: object.put.lockMode,
      retainUntil: object.put.retainUntil,
      sha256: sha256Base64(object.body),
    };
  }

  async writeOnce(put: Omit<LockedPut, "contentType">): Promise<boolean> {
    if (this.objects.has(put.key)) return false;
    await this.putLocked({ ...put, contentType: "application/json" });
    return true;
  }

  async *keys(prefix: string): AsyncGenerator<string> {
    for (const key of this.objects.keys()) if (key.startsWith(prefix)) yield key;
  }

  text(key: string): string {
    const object = this.objects.get(key);
    return object ? Buffer.from(object.body).toString("utf8") : "";
  }
}
