/**
 * What node:http's own response methods do at the app's call, for a hold
 * that queues the call and replays it later (hold-response.ts): the state
 * `writeHead` leaves behind, and the arguments `write`/`end` refuse.
 */
import type { ServerResponse } from "node:http";

/**
 * Do what `writeHead(status, [message], [headers])` does to the response's
 * state, without sending: status, message, and headers merged as node merges
 * them (given headers win; a flat array keeps duplicates such as several
 * Set-Cookie lines, the on-headers CVE-2025-7339 case).
 *
 * @example
 * applyWriteHead(res, [201, { "Content-Type": "text/plain" }]); // res.statusCode === 201, nothing sent
 */
export function applyWriteHead(res: ServerResponse, args: unknown[]): void {
  const [status, second, third] = args;
  res.statusCode = status as number;
  let headers = third;
  if (typeof second === "string") res.statusMessage = second;
  else if (second !== undefined) headers = second;
  if (Array.isArray(headers)) {
    if (headers.length % 2 !== 0) throw new TypeError("writeHead: a headers array must hold name, value pairs.");
    for (let i = 0; i < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i < headers.length; i += 2) if (headers[i]) res.appendHeader(String(headers[i]), headers[i + 1] as string);
  } else if (headers && typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) if (name && value !== undefined) res.setHeader(name, value as string);
  }
}

/**
 * Refuse what node's `write`/`end` refuse, at the app's own call, as node
 * would: a held call is replayed later, where a throw could reach nobody
 * (an app's `res.end(req.query.msg)` with a repeated query key hands an
 * array). A chunk must be a string or bytes (or absent, for end), and an
 * encoding one node knows.
 *
 * @example
 * checkChunk(["a", "b"], undefined, true); // throws ERR_INVALID_ARG_TYPE, as res.end(["a", "b"]) would
 */
export function checkChunk(chunk: unknown, encoding: unknown, ending: boolean): void {
  if (ending && (chunk === undefined || chunk === null || typeof chunk === "function")) return;
  if (chunk === null) throw nodeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
  if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
    throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array.');
  }
  if (typeof encoding === "string" && !Buffer.isEncoding(encoding)) throw nodeError(TypeError, "ERR_UNKNOWN_ENCODING", "Unknown encoding");
}

function nodeError(Kind: new (message: string) => Error, code: string, message: string): Error {
  const error = new Kind(message);
  (error as Error & { code: string }).code = code;
  return error;
}
