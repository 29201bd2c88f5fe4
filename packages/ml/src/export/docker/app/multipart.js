/**
 * The one multipart/form-data part the /image route needs: the bytes of the field named
 * `imageData`, whether or not it carries a filename (some SDKs send bare buffers, which
 * form parsers then hand back as text).
 */

function boundaryOf(contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]).trim() : null;
}

/** @returns {Buffer | null} the field's content, or null when the body has no such field. */
export function multipartField(body, contentType, fieldName) {
  const boundary = boundaryOf(contentType ?? '');
  if (!boundary) return null;
  // Every delimiter but the first is preceded by CRLF, which belongs to the delimiter, not the content.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let start = body.indexOf(delimiter.subarray(2));
  if (start === -1) return null;
  start += delimiter.length - 2;
  for (;;) {
    const end = body.indexOf(delimiter, start);
    if (end === -1) return null;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('latin1');
      const name = /content-disposition:[^\r\n]*[\s;]name="([^"]*)"/i.exec(headers)?.[1];
      if (name === fieldName) return part.subarray(headerEnd + 4);
    }
    start = end + delimiter.length;
  }
}
