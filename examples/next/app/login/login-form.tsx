"use client";
// The login form posts to the login Server Action; it works without JavaScript too.
import { useActionState } from "react";
import { login } from "../actions";

export function LoginForm() {
  const [error, formAction, pending] = useActionState(login, undefined);
  return (
    <form action={formAction}>
      {error ? <p role="alert">{error}</p> : null}
      <label>
        Username <input name="username" autoComplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <label>
        <input name="remember" type="checkbox" /> Remember me
      </label>
      <button disabled={pending}>Log in</button>
    </form>
  );
}
