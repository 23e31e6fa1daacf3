// createSessions({ schema }): the schema's output type is the session's type,
// with zod and valibot alike (checked by test/types/types.test.ts).
import { createSessions, type Session } from "sessionkit";
import { withSessions } from "sessionkit/web";
import * as v from "valibot";
import { z } from "zod";

const secret = "x".repeat(40);
const byZod = createSessions({ secret, schema: z.object({ username: z.string().optional(), visits: z.number().optional() }) });
const byValibot = createSessions({ secret, schema: v.object({ username: v.optional(v.string()), visits: v.optional(v.number()) }) });

export async function check(): Promise<void> {
  for (const session of [await byZod.load(undefined), await byValibot.load(undefined)]) {
    const name: string | undefined = session.get("username");
    session.set("visits", 2);
    // @ts-expect-error "nope" is not a key of the schema
    session.get("nope");
    // @ts-expect-error visits is a number in the schema
    session.set("visits", "two");
    // @ts-expect-error unknown keys cannot be set either
    session.set("nope", 1);
    // @ts-expect-error a read value is the schema's type, not any
    const wrong: number = session.get("username");
    void name;
    void wrong;
  }
}

// The Web handler carries the manager's type: its session is the schema's.
export const handler = withSessions(byZod, (_request, session) => {
  const visits: number | undefined = session.get("visits");
  // @ts-expect-error username is a string in the schema
  session.set("username", 1);
  return new Response(String(visits));
});

// A session typed by the schema is a Session of its output.
export const typed: Promise<Session<{ username?: string | undefined; visits?: number | undefined }>> = byZod.load(undefined);

// A schema whose output is not an object of keys cannot type a session.
// @ts-expect-error a string schema is not session data
createSessions({ secret, schema: z.string() });
