// The server's API as the studio uses it: the rules, their versions and
// drafts, the reports. Admin calls carry the token; every failure is an
// Error with `status` and the server's JSON `body`.

/** Calls for the site `writeKey`; `token()` gives the admin token (or ""). */
export function api(writeKey, token = () => "") {
  const q = (path, extra = "") => `${path}?writeKey=${encodeURIComponent(writeKey)}${extra}`;
  const call = async (url, { method = "GET", body, ifMatch, admin = false } = {}) => {
    const headers = {};
    if (admin) headers.authorization = `Bearer ${token()}`;
    if (ifMatch) headers["if-match"] = ifMatch;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url, { method, headers, body, cache: "no-store" });
    if (!res.ok) {
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      const err = new Error(json?.error ?? `${res.status} ${res.statusText}`);
      err.status = res.status;
      err.body = json;
      throw err;
    }
    return res;
  };
  return {
    /** The current document as text and its ETag. */
    async rules() {
      const res = await call(q("/v1/rules"));
      return { text: await res.text(), etag: res.headers.get("etag") };
    },
    async schema() {
      return (await call("/v1/rules/schema")).json();
    },
    /** Publishes `text` if the stored rules still have `etag`: `{version, rulesVersion, etag, warnings}`. */
    async publish(text, etag) {
      return (await call(q("/v1/rules"), { method: "PUT", body: text, ifMatch: etag, admin: true })).json();
    },
    async versions() {
      return (await call(q("/v1/rules/versions"), { admin: true })).json();
    },
    /** One version's document as text. */
    async version(n) {
      return (await call(q(`/v1/rules/versions/${n}`), { admin: true })).text();
    },
    async rollback(version, etag) {
      return (await call(q("/v1/rules/rollback"), { method: "POST", body: JSON.stringify({ version }), ifMatch: etag, admin: true })).json();
    },
    /** Saves `text` as a draft: `{token, expires_at}`. */
    async draft(text) {
      return (await call(q("/v1/rules/draft"), { method: "PUT", body: text, admin: true })).json();
    },
    async report(from, to, interval) {
      const extra = `&from=${from}&to=${to}${interval ? `&interval=${interval}` : ""}`;
      return (await call(q("/v1/reports/campaigns", extra), { admin: true })).json();
    },
    /** The report as CSV text (`interval=day` rows included). */
    async reportCsv(from, to) {
      return (await call(q("/v1/reports/campaigns", `&from=${from}&to=${to}&interval=day&format=csv`), { admin: true })).text();
    },
  };
}
