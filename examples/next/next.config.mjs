// The app is its own root (the repository around it has a lock file of its own).
/** @type {import("next").NextConfig} */
const nextConfig = {
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};
export default nextConfig;
