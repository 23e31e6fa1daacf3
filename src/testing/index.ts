export { testStore, assertData } from "./store-suite.js";
export { withStore, type MakeStore, type StoreFixture, type SuiteOptions } from "./fixture.js";
export { change, ctx, listedId, nullData, prng, randomIdHash, record, unicodeString } from "./records.js";
export { isCI, probeService, serviceUnavailable } from "./service.js";
export { testSessionsOnStore } from "./sessions-suite.js";
export { cookieFrom, idFrom, foreignId, sessionsOn, storeKey, testSecret } from "./sessions-helpers.js";
export { clockedStore, heldStore, slowStore, spyStore, type StoreCall } from "./store-spies.js";
export { testAdapter, runRoute, streamChunks, type Route, type RouteRequest, type RouteResult, type RouteTable, type StartServer, type StartedServer } from "./adapter-suite.js";
