// The profile: only for a logged-in visitor. Reads the session; logs out with a Server Action.
import { redirect } from "next/navigation";
import { getSession } from "sessionkit/next";
import { sessions } from "../../lib/sessions";
import { logout } from "../actions";

export default async function Profile() {
  const session = await getSession(sessions);
  const username = session.get("username");
  if (!username) redirect("/login");
  return (
    <>
      <h1 id="profile">Profile of {username}</h1>
      <p id="visits">Visits counted by the Route Handler: {session.get("visits") ?? 0}</p>
      <p id="permanent">{session.permanent ? "Remembered" : "Until the browser closes"}</p>
      <form action={logout}>
        <button>Log out</button>
      </form>
    </>
  );
}
