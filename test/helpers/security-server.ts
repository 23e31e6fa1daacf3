/**
 * Test helpers of the security suite: the suite's app on any of the six
 * adapters (see security-apps.ts), asserted on the wire through a real
 * server; a raw-socket request for bytes an HTTP client refuses to send
 * (non-UTF-8 cookies); and a store spy that records every call a store receives.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import type { SessionManager } from "../../src/index.js";
import type { Store } from "../../src/core/store.js";
import { withSessions, type AdapterOptions, type SessionRequest } from "../../src/adapters/node.js";
import type { WebCsrfProtectionOptions } from "../../src/adapters/shared.js";
import { mount, type AdapterName, type AppHandler, type Mounted } from "./security-apps.js";

export { ADAPTERS, type AdapterName, type AppHandler, type AppRequest, type AppResponse } from "./security-apps.js";

/** A strong secret for tests (never a real one). */
export const SECRET = "security-suite-secret-0123456789abcdef-XYZ";
/** A second strong secret, for rotation tests. */
export const OLD_SECRET = "security-suite-old-secret-0123456789abcdef";

/** One HTTP exchange as seen on the wire. */
export interface WireResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every Set-Cookie line, as sent. */
  setCookie: string[];
  body: string;
  elapsedMs: number;
}

/** Options of one request. */
export interface RequestOptions {
  cookie?: string;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  timeoutMs?: number;
}

/** A listening app. */
export interface TestApp {
  port: number;
  /** The adapter the app runs on (always "node" for {@link startNodeApp}). */
  adapter: AdapterName;
  /** Every error that reached the framework's error path (Express's next(error), Koa's "error" event, Fastify's log, Hono's onError, the Web runtime's catch). sessionkit/node has none: it logs with console.error. */
  errors: unknown[];
  get(path: string, options?: RequestOptions): Promise<WireResponse>;
  close(): Promise<void>;
}

/**
 * Options of {@link startApp}: the adapter to run on (default node), the
 * adapter's own options, and whether the framework prints the errors it handles.
 *
 * @example
 * await startApp(sessions, handler, { adapter: "koa", trustProxy: true });
 */
export interface StartOptions extends AdapterOptions {
  adapter?: AdapterName;
  logErrors?: boolean;
  /** Mount the adapter's own csrfProtection with these options (see security-apps.ts). */
  csrf?: WebCsrfProtectionOptions;
}

/**
 * Start a framework-neutral `handler` behind `sessions` on one adapter, on 127.0.0.1 and a free port.
 *
 * @example
 * for (const adapter of ADAPTERS) {
 *   const app = await startApp(sessions, ({ session }) => String(session.get("n")), { adapter });
 * }
 */
/** @deprecated A node-style `(req, res)` handler (test/faults): use {@link startNodeApp}, or a neutral handler. */
export async function startApp(sessions: SessionManager<any>, handler: Handler, options?: AdapterOptions): Promise<TestApp>;
export async function startApp(sessions: SessionManager<any>, handler: AppHandler, options?: StartOptions): Promise<TestApp>;
export async function startApp(sessions: SessionManager<any>, handler: AppHandler | Handler, options: StartOptions = {}): Promise<TestApp> {
  // A two-parameter handler is a node-style (req, res) one.
  if (handler.length >= 2) return startNodeApp(sessions, handler as Handler, options);
  const { adapter = "node", ...rest } = options;
  const errors: unknown[] = [];
  return listening(adapter, errors, await mount(adapter, sessions, handler as AppHandler, { ...rest, errors }));
}

/** The node-style handler of {@link startNodeApp}. */
export type Handler = (req: SessionRequest<Record<string, unknown>>, res: ServerResponse) => unknown;

/**
 * Start a node-style `(req, res)` handler behind sessionkit/node's `withSessions`:
 * for what only node:http can express (writeHead with header arrays).
 *
 * @example
 * const app = await startNodeApp(sessions, (req, res) => res.end(String(req.session.get("n"))));
 */
export async function startNodeApp(sessions: SessionManager<any>, handler: Handler, options: AdapterOptions = {}): Promise<TestApp> {
  const server = createServer({ maxHeaderSize: 262_144 }, withSessions(sessions, handler as never, options));
  return listening("node", [], { server });
}

async function listening(adapter: AdapterName, errors: unknown[], mounted: Mounted): Promise<TestApp> {
  const { server } = mounted;
  server.keepAliveTimeout = 1;
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  }
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    adapter,
    errors,
    get: (path, o = {}) => send(port, path, o),
    close: async () => {
      server.closeAllConnections();
      if (mounted.close) await mounted.close();
      else await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One request with node's http client, bounded by `timeoutMs`.
 *
 * @example
 * const res = await send(port, "/", { cookie: "session=abc" });
 */
export function send(port: number, path: string, o: RequestOptions = {}): Promise<WireResponse> {
  const started = performance.now();
  const headers: Record<string, string> = { connection: "close", ...(o.headers ?? {}) };
  if (o.cookie !== undefined) headers.cookie = o.cookie;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: o.method ?? "GET", headers, agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          setCookie: res.headers["set-cookie"] ?? [],
          body: Buffer.concat(chunks).toString("utf8"),
          elapsedMs: performance.now() - started,
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error(`no answer in ${o.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end(o.body);
  });
}

/**
 * Send raw bytes as a request and resolve the status line's code (0 when the
 * connection closed without an answer). For headers node's client refuses.
 *
 * @example
 * const status = await rawRequest(port, Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
 */
export function rawRequest(port: number, bytes: Buffer, timeoutMs = 5_000): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(bytes));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const head = text.split("\r\n\r\n")[0] ?? "";
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : 0, head });
    });
  });
}

/**
 * `name=value` of the first Set-Cookie line naming `name`, or undefined.
 *
 * @example
 * const cookie = cookieOf(res, "session"); // "session=eyJ…"
 */
export function cookieOf(res: WireResponse, name = "session"): string | undefined {
  const line = res.setCookie.find((l) => l.startsWith(`${name}=`));
  return line?.split(";")[0];
}

/** The value part of {@link cookieOf}. */
export function cookieValue(res: WireResponse, name = "session"): string | undefined {
  return cookieOf(res, name)?.slice(name.length + 1);
}

/** A record of every call a store received, with its arguments. */
export interface StoreSpy {
  store: Store;
  calls: { method: string; args: unknown[] }[];
}

/**
 * Wrap a store so every call is recorded (arguments kept as given).
 *
 * @example
 * const spy = spyStore(new MemoryStore()); createSessions({ secret, store: spy.store });
 */
export function spyStore(inner: Store): StoreSpy {
  const calls: StoreSpy["calls"] = [];
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push({ method: String(key), args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

/** A unique label for tables and key prefixes of one test file. */
export function uniqueLabel(file: string): string {
  return `sk_sec_${file}_${process.pid}_${randomBytes(3).toString("hex")}`;
}
