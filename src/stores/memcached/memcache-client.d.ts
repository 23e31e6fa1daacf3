/**
 * The part of memcache-client (1.x, github.com/electrode-io/memcache) that
 * sessionkit uses, declared here so that the package compiles, and its
 * tutorial and CLI type-check, without memcache-client installed: it is an
 * optional peer dependency, loaded only when a memcached:// store is opened.
 * It mirrors the package's own declarations for these members.
 */
declare module "memcache-client" {
  export interface MemcacheClientOptions {
    server: string | { server: string; maxConnections?: number };
    cmdTimeout?: number;
    connectTimeout?: number;
    keepAlive?: number | false;
    noDelay?: boolean;
  }

  export class MemcacheClient {
    constructor(options: MemcacheClientOptions);
    gets(key: string | string[]): Promise<unknown>;
    get(key: string): Promise<{ value: unknown } | undefined>;
    add(key: string, value: string, options?: { lifetime?: number }): Promise<string[]>;
    set(key: string, value: string, options?: { lifetime?: number }): Promise<string[]>;
    cas(key: string, value: string, options: { casUniq: string | number; lifetime?: number }): Promise<string[]>;
    shutdown(): void;
  }
}
