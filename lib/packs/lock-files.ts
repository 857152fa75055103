import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalize } from "../core/canonical/index.ts";
import {
  type ArchiveLockEntry,
  archiveLocksPath,
  MAX_LOCK_ENTRIES_PER_FILE,
} from "../core/pack/extensions.ts";
import type { PackFile } from "../core/pack/writer.ts";

/**
 * The archive-locks files of a pack, spooled to temporary files while the records stream (they
 * come after the records in the archive, so they cannot be written as they are read, and
 * holding them would make memory grow with the pack). A Lambda function has /tmp for this.
 */
export class LockFiles {
  private readonly dir: string;
  private readonly files: Array<{ path: string; bytes: number }> = [];
  private current: WriteStream | undefined;
  private lines = 0;
  private bytes = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Spools into a new temporary folder under `parent` (default: the system's). */
  static async create(parent: string = tmpdir()): Promise<LockFiles> {
    return new LockFiles(await mkdtemp(join(parent, "evidence-pack-locks-")));
  }

  /** Appends one entry, as one canonical JSON line. */
  async add(entry: ArchiveLockEntry): Promise<void> {
    if (this.current === undefined || this.lines >= MAX_LOCK_ENTRIES_PER_FILE) await this.next();
    const line = `${canonicalize(entry)}\n`;
    this.lines++;
    this.bytes += Buffer.byteLength(line, "utf8");
    const stream = this.current as WriteStream;
    if (!stream.write(line)) await once(stream, "drain");
  }

  /** Closes the spool and returns the pack files that stream from it. */
  async finish(): Promise<PackFile[]> {
    await this.close();
    return this.files.map((file, index) => ({
      path: archiveLocksPath(index + 1),
      content: {
        bytes: file.bytes,
        read: () => createReadStream(file.path, { highWaterMark: 256 * 1024 }),
      },
    }));
  }

  /** Removes the temporary files. */
  async dispose(): Promise<void> {
    this.current?.destroy();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async next(): Promise<void> {
    await this.close();
    const path = join(this.dir, `${String(this.files.length + 1).padStart(6, "0")}.jsonl`);
    this.current = createWriteStream(path);
    this.files.push({ path, bytes: 0 });
    this.lines = 0;
    this.bytes = 0;
  }

  private async close(): Promise<void> {
    const stream = this.current;
    if (!stream) return;
    this.current = undefined;
    const last = this.files[this.files.length - 1];
    if (last) last.bytes = this.bytes;
    stream.end();
    await once(stream, "close");
  }
}
