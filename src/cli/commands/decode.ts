/**
 * `sessionkit decode <cookie>`: show what a signed cookie carries, without
 * a secret — anyone can, which is the point of showing it. Marked UNVERIFIED.
 */
import { bytesToInt, base64Decode, BadData, decodePayload, dumps } from "../../codec/index.js";
import { parseArgs, UsageError } from "../args.js";
import { type CliCommand, EXIT } from "../types.js";

export const command: CliCommand = {
  name: "decode",
  summary: "show the payload and signing time of a signed cookie, without a secret (unverified)",
  help: `usage: sessionkit decode <cookie>

Shows the data inside a "flask" or "signed" cookie and when it was signed,
without checking the signature (no secret needed; the output is UNVERIFIED:
anyone can make a cookie that decodes to anything). Encrypted cookies cannot
be read without the secret: use \`sessionkit verify --format encrypted\`.
The payload is printed as Flask's tagged JSON.`,
  async run(argv, io) {
    const args = parseArgs(argv, { valued: [], flags: ["help"] });
    const cookie = args.positionals[0];
    if (cookie === undefined || args.positionals.length > 1) throw new UsageError("give exactly one cookie value");
    const sigDot = cookie.lastIndexOf(".");
    const tsDot = sigDot > 0 ? cookie.lastIndexOf(".", sigDot - 1) : -1;
    if (tsDot < 0) {
      io.err("not a signed cookie (payload.timestamp.signature); an encrypted cookie needs `verify --format encrypted`");
      return EXIT.BAD_SIGNATURE;
    }
    const tsBytes = base64Decode(cookie, tsDot + 1, sigDot);
    const signedAt = tsBytes === undefined ? undefined : bytesToInt(tsBytes);
    const sigLength = cookie.length - sigDot - 1;
    io.out("UNVERIFIED: the signature was not checked (no secret); anyone can forge this content.");
    io.out(`signed at: ${signedAt === undefined ? "(malformed timestamp)" : `${new Date(signedAt * 1000).toISOString()} (${signedAt})`}`);
    io.out(`signature: ${sigLength === 27 ? "27 chars, HMAC-SHA1 (format flask)" : sigLength === 43 ? "43 chars, HMAC-SHA256 (format signed)" : `${sigLength} chars (unknown)`}`);
    io.out(`compressed: ${cookie.startsWith(".") ? "yes" : "no"}`);
    try {
      io.out(`payload: ${dumps(decodePayload(cookie.slice(0, tsDot)))}`);
    } catch (error) {
      if (!(error instanceof BadData)) throw error;
      io.err(`the payload cannot be decoded (${error.code})`);
      return EXIT.BAD_PAYLOAD;
    }
    return EXIT.OK;
  },
};
