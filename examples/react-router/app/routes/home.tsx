import { data } from "react-router";
import { commitSession, getSession } from "../sessions.server";
import type { Route } from "./+types/home";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request);
  return data({ username: session.get("username") ?? null }, { headers: await commitSession(session) });
}

// The document response carries the loader's headers (Vary: Cookie).
export function headers({ loaderHeaders }: Route.HeadersArgs) {
  return loaderHeaders;
}

export default function Home({ loaderData }: Route.ComponentProps) {
  return <p id="status">{loaderData.username ? `Logged in as ${loaderData.username}` : "You are not logged in"}</p>;
}
