import { data, Form, redirect } from "react-router";
import { checkPassword, commitSession, csrf, getSession } from "../sessions.server";
import type { Route } from "./+types/login";

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request);
  await csrf(request, session);
  const form = await request.formData();
  const user = checkPassword(form.get("username"), form.get("password"));
  if (!user) return data({ error: "Wrong username or password" }, { status: 401 });
  await session.login(user.id);
  session.set("username", user.name);
  return redirect("/profile", { headers: await commitSession(session) });
}

export default function Login({ actionData }: Route.ComponentProps) {
  return (
    <Form method="post">
      {actionData?.error ? <p role="alert">{actionData.error}</p> : null}
      <input name="username" autoComplete="username" required />
      <input name="password" type="password" autoComplete="current-password" required />
      <button>Log in</button>
    </Form>
  );
}
