// The app's session data, declared the documented way: every fixture in this
// folder sees it, as every file of an app would.
import "sessionkit";

declare module "sessionkit" {
  interface SessionData {
    username?: string;
    visits?: number;
    cart?: string[];
  }
}
