// A Server Component that reads the session.
import { getSession } from "sessionkit/next";
import { sessions } from "../lib/sessions";

export default async function Home() {
  const session = await getSession(sessions);
  const username = session.get("username"); // string | undefined: SessionData says so
  return <p id="status">{username ? `Logged in as ${username}` : "You are not logged in"}</p>;
}
