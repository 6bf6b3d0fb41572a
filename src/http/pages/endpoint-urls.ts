// Where an endpoint's pages live, in one place: the dashboard, the status page and the full page
// all link to each other.

/** The full page of one endpoint (src/http/routes/endpoint-page.ts). */
export function endpointPageUrl(slug: string): string {
  return `/endpoints/${encodeURIComponent(slug)}`;
}
