// Every request gets event.locals.session; changing requests must show they come from this site.
import { sequence } from "@sveltejs/kit/hooks";
import { csrfProtection, sessionHandle } from "sessionkit/sveltekit";
import { sessions } from "$lib/sessions";

export const handle = sequence(sessionHandle(sessions), csrfProtection());
