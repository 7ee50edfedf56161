// A site's Braze set-up for in-app messages, as the Web SDK's README shows it:
// initialize, show in-app messages automatically, open the session, log one
// event. Bundled by esbuild (minified, tree-shaken): only what this imports counts.
// The page calls window.__benchBraze once the script has loaded.
import {
  initialize,
  automaticallyShowInAppMessages,
  openSession,
  logCustomEvent,
} from "@braze/web-sdk";

window.__benchBraze = function (baseUrl, ready) {
  // doNotLoadFontAwesome: the in-app message icons' stylesheet comes from a CDN
  // this closed machine cannot reach.
  initialize("00000000-0000-4000-8000-000000000000", { baseUrl, doNotLoadFontAwesome: true });
  automaticallyShowInAppMessages();
  openSession();
  ready();
  logCustomEvent("Product Viewed", { sku: "TSHIRT-1", price: 25, category: "tshirts" });
};
