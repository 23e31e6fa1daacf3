import type { ReactNode } from "react";

export const metadata = { title: "sessionkit on Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav>
          <a href="/">Home</a> · <a href="/profile">Profile</a> · <a href="/login">Log in</a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  );
}
