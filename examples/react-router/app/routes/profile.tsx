import { data, Form, redirect } from "react-router";
import { commitSession, csrf, destroySession, getSession } from "../sessions.server";
import type { Route } from "./+types/profile";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request);
  const username = session.get("username");
  if (!username) throw redirect("/login", { headers: await commitSession(session) });
  return data({ username, visits: session.get("visits") ?? 0 }, { headers: await commitSession(session) });
}

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request);
  await csrf(request, session);
  const form = await request.formData();
  if (form.get("intent") === "logout") return redirect("/", { headers: await destroySession(session) });
  session.set("visits", (session.get("visits") ?? 0) + 1);
  return data({ ok: true }, { headers: await commitSession(session) });
}

export function headers({ loaderHeaders }: Route.HeadersArgs) {
  return loaderHeaders;
}

export default function Profile({ loaderData }: Route.ComponentProps) {
  return (
    <>
      <h1 id="profile">Profile of {loaderData.username}</h1>
      <p id="visits">Visits: {loaderData.visits}</p>
      <Form method="post">
        <button name="intent" value="visit">Count a visit</button>
        <button name="intent" value="logout">Log out</button>
      </Form>
    </>
  );
}
