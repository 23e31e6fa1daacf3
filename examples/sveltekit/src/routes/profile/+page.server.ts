import { redirect } from "@sveltejs/kit";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => {
  const username = locals.session.get("username");
  if (!username) redirect(303, "/login");
  return { username, visits: locals.session.get("visits") ?? 0 };
};

export const actions: Actions = {
  visit: ({ locals }) => {
    locals.session.set("visits", (locals.session.get("visits") ?? 0) + 1);
  },
  logout: async ({ locals }) => {
    await locals.session.destroy();
    redirect(303, "/");
  },
};
