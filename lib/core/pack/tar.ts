/**
 * The few ustar (POSIX.1-1988) pieces a pack needs: regular-file headers and the end-of-archive
 * marker. Every entry gets mode 0644, owner 0:0 and the pack's generation time, so the same
 * content always gives the same archive and any tar tool can list and extract it.
 */
export const BLOCK_SIZE = 512;
/** Largest entry a ustar size field (11 octal digits) can describe. */
export const MAX_ENTRY_BYTES = 8 ** 11 - 1;

/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(BLOCK_SIZE * 2);

function writeOctal(header: Buffer, value: number, offset: number, width: number): void {
  header.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, width, "ascii");
}

/** The 512-byte ustar header of a regular file. `path` must be ASCII and at most 100 bytes. */
export function fileHeader(path: string, size: number, mtime: Date): Buffer {
  if (!/^[\x20-\x7e]{1,100}$/.test(path)) {
    throw new RangeError(`tar entry path must be 1-100 printable ASCII characters: ${path}`);
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ENTRY_BYTES) {
    throw new RangeError(`tar entry ${path} has an unsupported size ${size}`);
  }
  const header = Buffer.alloc(BLOCK_SIZE);
  header.write(path, 0, 100, "ascii");
  writeOctal(header, 0o644, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeOctal(header, size, 124, 12);
  writeOctal(header, Math.floor(mtime.getTime() / 1000), 136, 12);
  header.write("        ", 148, 8, "ascii");
  header.write("0", 156, 1, "ascii");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return header;
}

/** Zero bytes that pad an entry of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK_SIZE;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK_SIZE - rest);
}
