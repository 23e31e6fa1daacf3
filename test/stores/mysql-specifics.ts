import type { Pool } from "mysql2/promise";
import type { SpawnedServer } from "../helpers/spawned-server.js";

/** The MySQL store's own tests (filled in below the shared suites). */
export function registerMysqlSpecifics(_pool: Pool, _server: SpawnedServer): void {}
