"use server";
// Server Actions: the forms' login and logout. Each changes the session with
// updateSession, which sets the cookie through cookies().
import { redirect } from "next/navigation";
import { csrfProtection, updateSession } from "sessionkit/next";
import { sessions } from "../lib/sessions";
import { checkPassword } from "../lib/users";

const csrf = csrfProtection();

export async function login(_state: string | undefined, formData: FormData): Promise<string | undefined> {
  const user = await checkPassword(formData.get("username"), formData.get("password"));
  const failed = await updateSession(sessions, async (session) => {
    await csrf(session, formData);
    if (!user) return "Wrong username or password";
    await session.login(user.id);
    session.set("username", user.name);
    session.permanent = formData.get("remember") === "on";
    return undefined;
  });
  if (failed) return failed;
  redirect("/profile");
}

export async function logout(): Promise<void> {
  await updateSession(sessions, async (session) => {
    await csrf(session);
    await session.destroy();
  });
  redirect("/");
}
