/**
 * The two functions sessionkit/next loads from `next/headers` (Next.js 15
 * and 16), declared here because the repository does not install Next.js:
 * only what the adapter uses, structurally. The app's own `next` package
 * provides them at run time.
 */
declare module "next/headers.js" {
  /** A request cookie as Next.js gives it (the value percent-decoded). */
  interface NextRequestCookie {
    name: string;
    value: string;
  }
  /** The attributes `cookies().set()` takes (Next's `ResponseCookie`). */
  interface NextResponseCookie {
    name: string;
    value: string;
    domain?: string;
    path?: string;
    expires?: Date;
    maxAge?: number;
    secure?: boolean;
    httpOnly?: boolean;
    sameSite?: "lax" | "strict" | "none";
    partitioned?: boolean;
  }
  /** `cookies()`: read everywhere; `set` works in Server Actions and Route Handlers only. */
  interface NextCookieStore {
    get(name: string): NextRequestCookie | undefined;
    set(cookie: NextResponseCookie): unknown;
  }
  /** `headers()`: the request's headers, read-only. */
  interface NextHeaderStore {
    get(name: string): string | null;
  }
  export function cookies(): Promise<NextCookieStore>;
  export function headers(): Promise<NextHeaderStore>;
}
