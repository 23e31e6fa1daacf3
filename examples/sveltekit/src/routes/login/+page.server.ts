import { fail, redirect } from "@sveltejs/kit";
import { checkPassword } from "$lib/sessions";
import type { Actions } from "./$types";

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const user = checkPassword(form.get("username"), form.get("password"));
    if (!user) return fail(401, { error: "Wrong username or password" });
    await locals.session.login(user.id);
    locals.session.set("username", user.name);
    redirect(303, "/profile");
  },
};
