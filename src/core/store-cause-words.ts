/**
 * The words of ./store-cause.ts: for each code a store's driver can raise,
 * what happened and what to change. Keyed by code only; add a row when a
 * driver raises a code users meet and the fallback ("Error (CODE)") does
 * not help them.
 */

/** [what happened, what to change]. */
export type Words = readonly [string, string];

/** Node's errno codes (sockets, DNS, files) and a few of its own `ERR_*` codes. */
export const ERRNO_WORDS: Readonly<Record<string, Words>> = {
  ECONNREFUSED: ["connection refused", "nothing is listening at that host and port; start the server, or correct the host or port"],
  ENOTFOUND: ["host not found", "the host name does not resolve; correct it"],
  EAI_AGAIN: ["host name lookup failed", "DNS did not answer; check the network and the host name"],
  ETIMEDOUT: ["connection timed out", "the host did not answer; check the host, the port and any firewall between"],
  EHOSTUNREACH: ["host unreachable", "check the host name and the network"],
  ENETUNREACH: ["network unreachable", "check the host name and the network"],
  ECONNRESET: ["connection reset by the server", "check the server's log, and whether the port expects TLS"],
  EPIPE: ["connection closed by the server while writing", "check the server's log"],
  ECONNABORTED: ["connection aborted", "check the server's log and the network"],
  EACCES: ["permission denied", "this process may not use that file, folder or port; fix its owner or mode, or choose another path"],
  EPERM: ["operation not permitted", "this process may not use that file or folder; fix its owner or mode, or choose another path"],
  EROFS: ["read-only file system", "keep the sessions on a writable disk"],
  ENOENT: ["no such file or folder", "create it, or correct the path"],
  ENOTDIR: ["a part of the path is not a folder", "correct the path"],
  EISDIR: ["the path is a folder where a file was expected", "correct the path"],
  ENOSPC: ["no space left on the device", "free disk space"],
  EDQUOT: ["disk quota exceeded", "free space or raise the quota"],
  EMFILE: ["too many open files", "raise the open-file limit (ulimit -n)"],
  ENFILE: ["too many open files on the system", "raise the system's open-file limit"],
  ENAMETOOLONG: ["the path is too long", "choose a shorter path"],
  ELOOP: ["the path has a symbolic link loop", "correct the path"],
  ERR_INVALID_URL: ["malformed URL", "write it as scheme://[user[:password]@]host[:port][/name]"],
  EPROTO: ["TLS handshake failed", "the port does not speak TLS (use redis:// or sslmode off), or the reverse"],
  ERR_SSL_WRONG_VERSION_NUMBER: ["TLS handshake failed", "the port does not speak TLS (use redis:// or sslmode off), or the reverse"],
  DEPTH_ZERO_SELF_SIGNED_CERT: ["the server's TLS certificate is self-signed", "give the client the CA that signed it"],
  SELF_SIGNED_CERT_IN_CHAIN: ["the server's TLS certificate chain ends in an untrusted root", "give the client the CA that signed it"],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["the server's TLS certificate cannot be verified", "give the client the CA that signed it"],
  CERT_HAS_EXPIRED: ["the server's TLS certificate has expired", "renew it"],
  ERR_TLS_CERT_ALTNAME_INVALID: ["the server's TLS certificate is for another host name", "connect by the name on the certificate"],
};

/** PostgreSQL SQLSTATEs (Appendix A of its manual) that a session store meets. */
export const SQLSTATE_WORDS: Readonly<Record<string, Words>> = {
  "28P01": ["password authentication failed", "correct the password in the URL"],
  "28000": ["the server refused the role", "the role does not exist or may not connect from here (pg_hba.conf); correct the user name in the URL"],
  "3D000": ["the database does not exist", "create it (createdb NAME) or correct the database name in the URL"],
  "3F000": ["the schema does not exist", "create it or correct the store's `schema` option"],
  "42P01": ["the table does not exist", "create it (the store's migrate()) or correct the table name"],
  "42703": ["the table lacks a column the store needs", "it was made by another app or version; migrate it or use another table"],
  "42501": ["permission denied", "the role lacks a privilege on the database, schema or table; GRANT it"],
  "53300": ["too many connections", "the server is at max_connections; make the pool smaller or raise the limit"],
  "53100": ["the server's disk is full", "free disk space on the database server"],
  "53200": ["the server is out of memory", "check the database server"],
  "57P01": ["the server is shutting down", "wait for it to come back"],
  "57P02": ["the server is restarting after a crash", "wait for it to come back"],
  "57P03": ["the server is not accepting connections yet", "wait for it to finish starting"],
  "57014": ["the statement was cancelled (statement timeout)", "look for long locks, or raise `statementTimeoutMs`"],
  "25006": ["the server is read-only (a standby)", "point the URL at the primary"],
  "40001": ["the transaction was rolled back (serialization conflict)", "try again"],
  "40P01": ["the transaction was rolled back (deadlock)", "try again"],
  "55P03": ["a lock was not available", "try again"],
  "08001": ["the client could not connect", "check the host, the port and the server"],
  "08004": ["the server rejected the connection", "check the server's log"],
  "08006": ["the connection failed", "check the server and the network"],
  "08P01": ["protocol violation", "the port may not be a PostgreSQL server"],
};

/** SQLSTATE classes, for codes without a row of their own. */
export const SQLSTATE_CLASS_WORDS: Readonly<Record<string, Words>> = {
  "08": ["connection problem", "check the server and the network"],
  "22": ["the server refused a value", "check the server's log"],
  "23": ["a constraint was violated", "check the table's constraints"],
  "25": ["invalid transaction state", "check the server's log"],
  "28": ["authentication refused", "correct the user name and password in the URL"],
  "40": ["the transaction was rolled back", "try again"],
  "42": ["the statement was refused (a missing object or privilege)", "check the table, schema and the role's privileges"],
  "53": ["the server is out of resources", "check the database server"],
  "54": ["a server limit was exceeded", "check the database server"],
  "55": ["an object is not in the state the statement needs", "try again"],
  "57": ["the server stopped the statement", "check the server's log"],
  "58": ["the server had a system error", "check the server's log"],
  XX: ["the server had an internal error", "check the server's log"],
};

/** SQLite's primary result codes, as better-sqlite3 names them. */
export const SQLITE_WORDS: Readonly<Record<string, Words>> = {
  SQLITE_CANTOPEN: ["cannot open the database file", "its folder must exist and be writable by this process; correct the path or the permissions"],
  SQLITE_READONLY: ["the database is read-only", "make the file and its folder writable by this process"],
  SQLITE_PERM: ["access to the database was denied", "make the file and its folder writable by this process"],
  SQLITE_AUTH: ["access to the database was denied", "check the database's authorizer"],
  SQLITE_BUSY: ["the database is locked by another connection", "try again; keep other connections' write transactions short"],
  SQLITE_LOCKED: ["a table is locked by this connection", "try again"],
  SQLITE_FULL: ["the disk is full", "free disk space"],
  SQLITE_IOERR: ["disk I/O error", "check the disk and the file system"],
  SQLITE_CORRUPT: ["the database file is corrupt", "restore it from a backup, or use a new file"],
  SQLITE_NOTADB: ["the file is not a SQLite database", "correct the path"],
  SQLITE_NOMEM: ["out of memory", "check the machine"],
  SQLITE_ERROR: ["the statement failed", "the table is missing or has another shape; check the table name and the file"],
};

/** Error codes of Redis replies (the first word of an error reply). */
export const REDIS_WORDS: Readonly<Record<string, Words>> = {
  WRONGPASS: ["the Redis server refused the user name or password", "correct the password (and user) in the URL"],
  NOAUTH: ["the Redis server requires a password", "put it in the URL: redis://:PASSWORD@HOST:PORT"],
  NOPERM: ["the Redis user lacks a permission", "grant it the commands and keys the store uses (ACL SETUSER)"],
  READONLY: ["the Redis server is a read-only replica", "point the URL at the primary"],
  LOADING: ["Redis is loading its data set", "wait for it to finish"],
  MASTERDOWN: ["the replica lost its primary", "point the URL at the primary"],
  OOM: ["Redis is out of memory (maxmemory)", "raise maxmemory, or free memory"],
  MISCONF: ["Redis refuses writes because it cannot save to disk", "fix its disk or its `dir` setting"],
  BUSY: ["Redis is busy running a script", "wait, or stop the script (SCRIPT KILL)"],
  CLUSTERDOWN: ["the Redis cluster is down", "check the cluster"],
  TRYAGAIN: ["the Redis cluster is resharding", "try again"],
  MOVED: ["the key is served by another cluster node", "connect with a cluster client (createCluster)"],
  ASK: ["the key is moving to another cluster node", "connect with a cluster client (createCluster)"],
  CROSSSLOT: ["the keys of one call are in different cluster slots", "give the store a prefix with a {hash tag}"],
  WRONGTYPE: ["a key holds another kind of value", "another app uses the same key prefix; give this one its own"],
  NOSCRIPT: ["the server does not have the script", "try again (the store sends it)"],
  ERR: ["the Redis server refused the command", "check the server's log and version"],
};

/**
 * Driver classes that carry no code but mean one thing (node-redis leaves
 * `name` as "Error" and `code` unset on its connection errors).
 */
export const CLASS_WORDS: Readonly<Record<string, Words>> = {
  SocketClosedUnexpectedlyError: ["the server closed the connection", "check that it is up, that the port is a Redis server, and whether it expects TLS"],
  ConnectionTimeoutError: ["connecting timed out", "check the host, the port and any firewall between"],
  ClientClosedError: ["the client was closed", "the app closed the connection; open it again"],
  ClientOfflineError: ["the client is not connected", "check that the store's server is up and reachable"],
};
