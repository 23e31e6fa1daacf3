// What happens when a Server Component tries to change the session: it does
// not compile (hence the directive, which the build checks), and at run time
// it throws a ReadOnlySessionError saying where to make the change.
import { getSession } from "sessionkit/next";
import { sessions } from "../../lib/sessions";

export default async function ReadOnly() {
  const session = await getSession(sessions);
  // @ts-expect-error -- a Server Component cannot change the session: set's arguments are `never` here
  session.set("visits", 1);
  return <p>unreachable</p>;
}
