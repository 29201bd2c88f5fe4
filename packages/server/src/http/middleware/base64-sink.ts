const STAGE_BYTES = 64 * 1024; // a multiple of 4: whole base64 quanta are decoded at each flush

const PLAIN = /^[A-Za-z0-9+/]*$/;
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;
const HEX: Record<number, number> = {};
for (const [i, c] of [...'0123456789abcdef'].entries()) {
  HEX[c.charCodeAt(0)] = i;
  HEX[c.toUpperCase().charCodeAt(0)] = i;
}

/**
 * Decodes the text of a JSON string that holds base64 as its bytes arrive, without ever building the string:
 * JSON escapes are undone on the way (`\/`, `\u002B` from encoders that escape them, `\n` line breaks), whitespace is
 * skipped, and anything else that is not base64 (or text after the padding) makes the result undefined, as
 * `decodeBase64` judges a short string.
 */
export class Base64Sink {
  private readonly staged = Buffer.alloc(STAGE_BYTES);
  private staging = 0;
  private readonly decoded: Buffer[] = [];
  private length = 0;
  private pads = 0;
  private invalid = false;
  /** 0: text; 1: after a backslash; 2-5: inside \uXXXX, that many hex digits still to come + 1. */
  private escape = 0;
  private code = 0;

  write(bytes: Uint8Array, from = 0, to = bytes.length): void {
    // Almost all text is plain base64: checked by a native regular expression and copied natively, not walked here.
    if (this.escape === 0 && !this.pads && !this.invalid) {
      const text = Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
      if (PLAIN.test(text)) {
        this.copy(bytes, from, to);
        return;
      }
    }
    for (let i = from; i < to && !this.invalid; i++) {
      const c = bytes[i]!;
      if (this.escape === 0) {
        if (c === 0x5c) this.escape = 1;
        else this.char(c);
      } else if (this.escape === 1) {
        this.escape = 0;
        if (c === 0x2f) this.char(c);
        else if (c === 0x6e || c === 0x72 || c === 0x74)
          continue; // \n \r \t: line breaks of MIME base64
        else if (c === 0x75) {
          this.escape = 5;
          this.code = 0;
        } else this.invalid = true;
      } else {
        const digit = HEX[c];
        if (digit === undefined) this.invalid = true;
        else {
          this.code = this.code * 16 + digit;
          if (--this.escape === 1) {
            this.escape = 0;
            this.char(this.code < 128 ? this.code : 0);
          }
        }
      }
    }
  }

  /** The decoded bytes, or undefined when the text was not base64. */
  end(): Buffer | undefined {
    if (this.invalid || this.escape !== 0 || this.length % 4 === 1) return undefined;
    this.flush();
    return Buffer.concat(this.decoded);
  }

  private char(c: number): void {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) return;
    if (c === 0x3d) {
      this.length++;
      if (++this.pads > 2) this.invalid = true;
      return;
    }
    if (this.pads || c >= 128 || !BASE64_CHAR[c]) {
      this.invalid = true;
      return;
    }
    this.length++;
    this.staged[this.staging++] = c;
    if (this.staging === STAGE_BYTES) this.flush();
  }

  private copy(bytes: Uint8Array, from: number, to: number): void {
    while (from < to) {
      const n = Math.min(to - from, STAGE_BYTES - this.staging);
      this.staged.set(bytes.subarray(from, from + n), this.staging);
      this.staging += n;
      this.length += n;
      from += n;
      if (this.staging === STAGE_BYTES) this.flush();
    }
  }

  private flush(): void {
    if (!this.staging) return;
    this.decoded.push(Buffer.from(this.staged.toString('latin1', 0, this.staging), 'base64'));
    this.staging = 0;
  }
}
