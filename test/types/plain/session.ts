// No SessionData declared: a session typed by createSessions<Data>() refuses
// unknown keys and wrong value types (checked by test/types/types.test.ts).
import { createSessions } from "sessionkit";

const sessions = createSessions<{ username?: string; visits?: number }>({ secret: "x".repeat(40) });
export async function check(): Promise<void> {
  const session = await sessions.load(undefined);
  const name: string | undefined = session.get("username");
  session.set("visits", 2);
  // @ts-expect-error "nope" is not a key of the session's data
  session.get("nope");
  // @ts-expect-error visits is a number
  session.set("visits", "two");
  // @ts-expect-error unknown keys cannot be set either
  session.set("nope", 1);
  const popped: number | "none" | undefined = session.pop("visits", "none" as const);
  void name;
  void popped;
}
