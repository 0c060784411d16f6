// The forwarder's disk spool: a directory of append-only segment files, one JSON transaction per
// line (UTF-8; serialized JSON holds no raw newline, so lines split on the byte 0x0A), read back
// oldest first. A segment is written whole (to a temporary name, then renamed) so a crash never
// leaves half a segment behind; it is deleted once the edge acknowledged it.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Segment {
  name: string;
  bytes: number;
  count: number;
}

const SEGMENT = /^(\d{12})-(\d+)\.ndjson$/;

export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  private segments: Segment[] = [];
  private seq = 0;
  private totalBytes = 0;
  private totalCount = 0;
  /** Called with the number of transactions dropped because the spool was full. */
  private readonly onDrop: (count: number) => void;

  constructor(dir: string, maxBytes: number, onDrop: (count: number) => void) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.onDrop = onDrop;
  }

  /** Finds the segments a previous run left, oldest first; removes half-written ones. */
  open(): void {
    mkdirSync(this.dir, { recursive: true });
    this.segments = [];
    for (const name of readdirSync(this.dir).sort()) {
      const match = SEGMENT.exec(name);
      if (!match) {
        if (name.endsWith('.tmp')) unlinkSync(join(this.dir, name));
        continue;
      }
      this.seq = Math.max(this.seq, Number(match[1]));
      this.segments.push({ name, bytes: statSync(join(this.dir, name)).size, count: Number(match[2]) });
    }
    this.recount();
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get count(): number {
    return this.totalCount;
  }

  /** Appends one segment holding `lines`; makes room by dropping the oldest segments. */
  write(lines: Array<string | Buffer>): void {
    let kept = lines;
    let size = segmentBytes(kept);
    // A write larger than the whole spool keeps its newest lines only.
    while (kept.length > 0 && size > this.maxBytes) {
      size -= lineBytes(kept[0]!) + 1;
      kept = kept.slice(1);
    }
    if (kept.length < lines.length) this.onDrop(lines.length - kept.length);
    if (kept.length === 0) return;
    while (this.segments.length > 0 && this.totalBytes + size > this.maxBytes) this.dropOldest();
    const name = `${String(++this.seq).padStart(12, '0')}-${kept.length}.ndjson`;
    const tmp = join(this.dir, `${name}.tmp`);
    writeFileSync(tmp, joinLines(kept));
    renameSync(tmp, join(this.dir, name));
    this.segments.push({ name, bytes: size, count: kept.length });
    this.recount();
  }

  /** The oldest segment, or undefined when the spool is empty. */
  oldest(): Segment | undefined {
    return this.segments[0];
  }

  /** The segment's lines (without their newlines), as UTF-8 bytes. */
  read(segment: Segment): Buffer[] {
    try {
      const data = readFileSync(join(this.dir, segment.name));
      const lines: Buffer[] = [];
      for (let start = 0; start < data.length; ) {
        let end = data.indexOf(0x0a, start);
        if (end < 0) end = data.length;
        if (end > start) lines.push(data.subarray(start, end));
        start = end + 1;
      }
      return lines;
    } catch {
      return []; // dropped meanwhile to make room
    }
  }

  /** Forgets a segment once it was delivered (or dropped). */
  remove(segment: Segment): void {
    const index = this.segments.indexOf(segment);
    if (index < 0) return;
    this.segments.splice(index, 1);
    try {
      unlinkSync(join(this.dir, segment.name));
    } catch {
      // already gone
    }
    this.recount();
  }

  private dropOldest(): void {
    const oldest = this.segments[0]!;
    this.remove(oldest);
    this.onDrop(oldest.count);
  }

  private recount(): void {
    this.totalBytes = this.segments.reduce((sum, s) => sum + s.bytes, 0);
    this.totalCount = this.segments.reduce((sum, s) => sum + s.count, 0);
  }
}

const lineBytes = (line: string | Buffer) => (typeof line === 'string' ? Buffer.byteLength(line) : line.length);

function segmentBytes(lines: Array<string | Buffer>): number {
  return lines.reduce((sum, l) => sum + lineBytes(l) + 1, 0);
}

const NEWLINE = Buffer.from('\n');

function joinLines(lines: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) parts.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, NEWLINE);
  return Buffer.concat(parts);
}
