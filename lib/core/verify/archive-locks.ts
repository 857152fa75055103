import {
  ARCHIVE_LOCKS_PREFIX,
  archiveLockEntryError,
  MAX_LOCK_ENTRIES_PER_FILE,
  PACK_EXTENSIONS,
} from "../pack/extensions.ts";
import type { Problem } from "./problems.ts";

/** A stream as the records showed it, in archive order. */
export interface SeenStream {
  readonly stream: string;
  readonly firstSeq: number;
  readonly headSeq: number;
}

/**
 * Checks the archive-locks extension while its files stream past: every line is a well-formed
 * entry, and the entries name the pack's records one for one, in archive order (stream by
 * stream, seq by seq). The lock states themselves are facts about S3 when the pack was made,
 * shown by the report; they are not integrity problems. Memory stays flat: one cursor.
 */
export class ArchiveLocksCheck {
  private readonly add: (problem: Problem) => void;
  private streams: SeenStream[] | undefined;
  private streamIndex = 0;
  private nextSeq = 0;
  private files = 0;
  private rest = "";
  private file = "";
  private line = 0;

  constructor(add: (problem: Problem) => void) {
    this.add = add;
  }

  /** Starts a file; `streams` are the records' streams, read before any extra file. */
  startFile(file: string, streams: () => SeenStream[]): void {
    this.streams ??= streams();
    if (this.files === 0) this.nextSeq = this.streams[0]?.firstSeq ?? 0;
    this.files++;
    this.file = file;
    this.line = 0;
    this.rest = "";
  }

  /** Feeds the next bytes of the current file. */
  feed(chunk: Buffer): void {
    const text = this.rest + chunk.toString("utf8");
    const lines = text.split("\n");
    this.rest = lines.pop() ?? "";
    for (const line of lines) this.entry(line);
  }

  /** Ends the current file. */
  endFile(): void {
    if (this.rest.length > 0) {
      this.add({
        check: "archive-locks",
        file: this.file,
        line: this.line + 1,
        message: "the last line has no newline",
      });
      this.entry(this.rest);
      this.rest = "";
    }
    if (this.line > MAX_LOCK_ENTRIES_PER_FILE) {
      this.add({
        check: "archive-locks",
        file: this.file,
        expected: `at most ${MAX_LOCK_ENTRIES_PER_FILE}`,
        found: String(this.line),
        message: "the file holds more entries than the extension allows",
      });
    }
  }

  /** After every entry was read: the entries must have reached the last record. */
  finish(extensions: readonly string[] | undefined): void {
    const declared = extensions?.includes(PACK_EXTENSIONS.archiveLocks) === true;
    if (this.files === 0) {
      if (declared) {
        this.add({
          check: "archive-locks",
          message: `the manifest declares ${PACK_EXTENSIONS.archiveLocks}, but the pack has no ${ARCHIVE_LOCKS_PREFIX} files`,
        });
      }
      return;
    }
    const current = this.streams?.[this.streamIndex];
    if (current !== undefined) {
      this.add({
        check: "archive-locks",
        stream: current.stream,
        seq: this.nextSeq,
        message: `the archive-locks entries end before ${current.stream} seq ${this.nextSeq}: records from there on have no archive state`,
      });
    }
  }

  private entry(text: string): void {
    this.line++;
    const where = { check: "archive-locks" as const, file: this.file, line: this.line };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.add({ ...where, message: `the line is not JSON (${(error as Error).message})` });
      return;
    }
    const problem = archiveLockEntryError(parsed);
    if (problem) {
      this.add({ ...where, message: `not an archive-locks entry: ${problem}` });
      return;
    }
    const { stream, seq } = parsed as { stream: string; seq: number };
    const expected = this.streams?.[this.streamIndex];
    if (expected?.stream === stream && seq === this.nextSeq) {
      this.advance(expected);
      return;
    }
    this.add({
      ...where,
      stream,
      seq,
      expected: expected ? `${expected.stream} seq ${this.nextSeq}` : "no more entries",
      found: `${stream} seq ${seq}`,
      message: "the entry does not name the next record of the pack",
    });
    // Continue from the entry named, when it is a record of the pack, so one gap is one problem.
    const index = this.streams?.findIndex(
      (s) => s.stream === stream && seq >= s.firstSeq && seq <= s.headSeq,
    );
    if (index !== undefined && index >= 0) {
      this.streamIndex = index;
      this.nextSeq = seq;
      const found = this.streams?.[index];
      if (found) this.advance(found);
    }
  }

  private advance(stream: SeenStream): void {
    if (this.nextSeq < stream.headSeq) {
      this.nextSeq++;
      return;
    }
    this.streamIndex++;
    this.nextSeq = this.streams?.[this.streamIndex]?.firstSeq ?? 0;
  }
}
