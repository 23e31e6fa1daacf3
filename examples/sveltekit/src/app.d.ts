// sessionkit/sveltekit adds `session` to App.Locals itself, typed by SessionData (src/lib/sessions.ts).
export {};
