/**
 * The Web primitives behind `#runtime` (package.json `imports`, condition
 * `default`): Web Crypto, Uint8Array, TextEncoder and CompressionStream,
 * which Bun, Deno, Cloudflare Workers, browsers and Node all have; no
 * Buffer, no `node:` module, no `process`. HMAC, AES-GCM and the per-cookie
 * key's SHA-256 are Web Crypto, hence asynchronous: `sync` is false, and
 * the codec's async API (`openAsync`, `encodeAsync`; `await sessions.load()`
 * and `await sessions.commit()`) is the one to use. The two synchronous
 * hashes core needs (a session id's store key, a CSRF secret's digest) use
 * sha256.ts.
 */
import { base64Decode, base64Encode, base64urlEncode } from "./base64.js";
import { sha256 } from "./sha256.js";
import type { DigestName, MacKey, MaybePromise, Runtime } from "./types.js";

const encoder = new TextEncoder();
const HASH: Record<DigestName, string> = { sha1: "SHA-1", sha256: "SHA-256" };

/** Web Crypto's typings want an ArrayBuffer-backed view; every view here is one. */
const source = (bytes: Uint8Array): BufferSource => bytes as Uint8Array<ArrayBuffer>;
const bytesOf = (value: string | Uint8Array): Uint8Array => (typeof value === "string" ? encoder.encode(value) : value);

/** latin1 bytes of an ASCII text (the signer's input): one byte per char code. */
function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function importHmac(digest: DigestName, key: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", source(key), { name: "HMAC", hash: HASH[digest] }, false, ["sign"]);
}

/** An HMAC key imported once, on first use. */
class WebMacKey implements MacKey {
  readonly #key: Promise<CryptoKey>;
  constructor(digest: DigestName, key: MaybePromise<Uint8Array>) {
    this.#key = Promise.resolve(key).then((bytes) => importHmac(digest, bytes));
    this.#key.catch(() => {}); // observed by sign(); an unawaited rejection here must not end the process
  }
  async sign(text: string): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, source(latin1(text))));
  }
}

function aesKey(key: Uint8Array, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", source(key), "AES-GCM", false, [use]);
}

async function gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
  const k = await aesKey(key, "decrypt");
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: source(iv), additionalData: source(aad), tagLength: 128 }, k, source(sealed)));
  } catch (error) {
    // Web Crypto's one failure for a tag that does not authenticate.
    if ((error as { name?: unknown })?.name === "OperationError") return undefined;
    throw error;
  }
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([source(bytes)]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The Web set.
 *
 * @example
 * import { runtime } from "#runtime"; // this object, outside Node
 */
export const runtime: Runtime = Object.freeze({
  name: "web" as const,
  sync: false,
  base64urlEncode,
  base64urlDecode: base64Decode,
  base64Encode,
  base64Decode,
  utf8Encode: (text: string): Uint8Array => encoder.encode(text),
  randomFill: (bytes: Uint8Array): void => void crypto.getRandomValues(bytes),
  sha256Sync: sha256,
  sha256: async (data: Uint8Array): Promise<Uint8Array> => new Uint8Array(await crypto.subtle.digest("SHA-256", source(data))),
  hmac: async (digest: DigestName, key: string | Uint8Array, data: string | Uint8Array): Promise<Uint8Array> =>
    new Uint8Array(await crypto.subtle.sign("HMAC", await importHmac(digest, bytesOf(key)), source(bytesOf(data)))),
  hmacKey: (digest: DigestName, key: MaybePromise<Uint8Array>): MacKey => new WebMacKey(digest, key),
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
    return diff === 0;
  },
  gcmSeal(key: Uint8Array, iv: Uint8Array, header: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const head = header.slice(); // read now: the caller may reuse its header while this waits
    const ivCopy = iv.slice();
    return aesKey(key, "encrypt").then(async (k) => {
      const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: source(ivCopy), additionalData: source(head), tagLength: 128 }, k, source(plaintext));
      const out = new Uint8Array(head.length + sealed.byteLength);
      out.set(head, 0);
      out.set(new Uint8Array(sealed), head.length);
      return out;
    });
  },
  gcmOpen,
  deflateLarge: deflate,
  inflateLarge: undefined,
  // No NODE_ENV outside Node (Workers have bindings, Deno and Bun run node.ts): the insecure-cookie warning is Node's.
  production: false,
  warn: (code: string, message: string): void => console.warn(`${code}: ${message}`),
});
