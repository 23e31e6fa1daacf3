/**
 * `sessionkit decode <cookie>`: show what a signed cookie carries, without
 * a secret — anyone can, which is the point of showing it. Marked UNVERIFIED.
 * A forged or absurd value (a huge timestamp, a cut signature, bytes that
 * are not UTF-8, 100 KB of anything) is reported as such, with its exit code.
 * A chunked session is joined first, as the server joins it (cookie-input.ts).
 */
import { BadData, decodePayload, dumps } from "../../codec/index.js";
import { lastOption, parseArgs } from "../args.js";
import { readCookieInput, readMaxChunks } from "../cookie-input.js";
import { describeSignature, isoSeconds, readTimestamp, splitSigned } from "../cookie-shape.js";
import { type CliCommand, EXIT } from "../types.js";

export const command: CliCommand = {
  name: "decode",
  summary: "show the payload and signing time of a signed cookie, without a secret (unverified)",
  help: `usage: sessionkit decode <cookie> [--cookie-name NAME] [--max-chunks N]
       sessionkit decode <chunk 0> <chunk 1> ...
       sessionkit decode '<Cookie header>'

Shows the data inside a "flask" or "signed" cookie and when it was signed,
without checking the signature (no secret needed; the output is UNVERIFIED:
anyone can make a cookie that decodes to anything). Encrypted cookies cannot
be read without the secret: use \`sessionkit verify --format encrypted\`.
The payload is printed as Flask's tagged JSON.

A session cut into chunks (cookie.maxChunks: session.0, session.1, ...) is
joined first: give the chunks' values in order, or the whole Cookie header
(session.0=...; session.1=...), which is read as the server reads it:
--cookie-name is the app's cookie name (default "session"), --max-chunks its
cookie.maxChunks (default 3, the most it can be).`,
  exitCodes: [
    [EXIT.OK, "decoded (UNVERIFIED: the signature was not checked)"],
    [EXIT.BAD_SIGNATURE, "not a signed cookie: its shape, characters, length, signature length or timestamp is wrong"],
    [EXIT.EXPIRED, "signed in the future, by its own (unverified) timestamp"],
    [EXIT.BAD_PAYLOAD, "the payload cannot be decoded (bad base64, zlib, UTF-8 or JSON)"],
  ],
  async run(argv, io) {
    const args = parseArgs(argv, { valued: ["cookie-name", "max-chunks"], flags: ["help"] });
    const input = readCookieInput(args.positionals, lastOption(args, "cookie-name") ?? "session", readMaxChunks(args));
    if ("problem" in input) {
      io.err(input.problem);
      return EXIT.BAD_SIGNATURE;
    }
    for (const note of input.notes) io.out(note);
    const { parts, problem } = splitSigned(input.value);
    if (!parts) {
      io.err(problem!);
      return EXIT.BAD_SIGNATURE;
    }
    let exit: number = EXIT.OK;
    io.out("UNVERIFIED: the signature was not checked (no secret); anyone can forge this content.");
    const time = readTimestamp(parts.timestamp);
    if ("problem" in time) {
      io.out(`signed at: (${time.problem})`);
      exit = EXIT.BAD_SIGNATURE;
    } else {
      const future = time.seconds * 1000 > Date.now();
      io.out(`signed at: ${isoSeconds(time.seconds)} (${time.seconds})${future ? " — in the future: verify refuses it" : ""}`);
      if (future) exit = EXIT.EXPIRED;
    }
    const signature = describeSignature(parts.signature);
    io.out(`signature: ${signature.text}`);
    if (!signature.known) exit = EXIT.BAD_SIGNATURE;
    io.out(`compressed: ${parts.payload.startsWith(".") ? "yes" : "no"}`);
    try {
      io.out(`payload: ${dumps(decodePayload(parts.payload))}`);
    } catch (error) {
      if (!(error instanceof BadData)) throw error;
      io.err(`the payload cannot be decoded (${error.message.replace(/^sessionkit\/codec: /, "")})`);
      // A malformed timestamp or signature is the stronger verdict: the value is not a cookie at all.
      return exit === EXIT.BAD_SIGNATURE ? exit : EXIT.BAD_PAYLOAD;
    }
    return exit;
  },
};
