/**
 * A minimal web framework, for test/guides/toy-adapter.ts: middleware
 * `(ctx, next) => Promise<void>` around a Web Request, a mutable response
 * (status, Headers, body), and a node:http listener that writes it. Just
 * enough framework to write an adapter for from ARCHITECTURE.md's guide.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** One request's context. */
export interface ToyContext {
  readonly request: Request;
  readonly url: URL;
  status: number;
  readonly headers: Headers;
  body: string | AsyncIterable<string>;
  /** Per-request values middleware hands to later middleware. */
  readonly state: Record<string, unknown>;
}

/** Middleware: call `next()` to run the rest of the chain. */
export type ToyMiddleware = (ctx: ToyContext, next: () => Promise<void>) => Promise<void>;

/** The app: a middleware chain, and an error handler that answers 500. */
export class ToyApp {
  readonly #chain: ToyMiddleware[] = [];

  use(middleware: ToyMiddleware): this {
    this.#chain.push(middleware);
    return this;
  }

  /** A node:http listener. */
  listener(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => void this.#serve(req, res);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const ctx: ToyContext = { request: new Request(url, { method: req.method ?? "GET", headers }), url, status: 404, headers: new Headers(), body: "", state: {} };
    const run = async (i: number): Promise<void> => {
      const middleware = this.#chain[i];
      if (middleware) await middleware(ctx, () => run(i + 1));
    };
    try {
      await run(0);
    } catch {
      // The framework's own error path: a 500 with the headers middleware set, and no body of the app's.
      ctx.status = 500;
      ctx.body = "Internal Server Error";
      ctx.headers.set("Content-Type", "text/plain");
    }
    res.statusCode = ctx.status;
    ctx.headers.forEach((value, name) => {
      if (name !== "set-cookie") res.setHeader(name, value);
    });
    const cookies = ctx.headers.getSetCookie();
    if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
    if (typeof ctx.body === "string") {
      res.end(ctx.body);
      return;
    }
    for await (const chunk of ctx.body) res.write(chunk);
    res.end();
  }
}
