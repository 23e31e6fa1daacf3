// A stand-in for a user table (which keeps password hashes, never passwords):
// any username logs in with the password "pw", as in the Flask tutorial's tests.
export async function checkPassword(username: unknown, password: unknown): Promise<{ id: string; name: string } | undefined> {
  if (typeof username !== "string" || !/^[\w.-]{1,40}$/.test(username) || password !== "pw") return undefined;
  return { id: `user-${username}`, name: username };
}
