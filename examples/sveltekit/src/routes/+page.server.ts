import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => ({ username: locals.session.get("username") ?? null });
