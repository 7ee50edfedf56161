// The demo shop's own code, as a site would have it: catalogue, cart and
// orders (the shop's localStorage keys, `shop:*`), its cookie banner, its
// GA4 dataLayer, its login, and rendering with DOM APIs. Parcours is only
// reached through `window.parcours` (the queue until the SDK has loaded) and
// through the dataLayer, which the SDK's bridge reads: the shop never calls
// `parcours.track` for what it already pushes there.
(function () {
  "use strict";
  var CATALOGUE = [
    { sku: "TSHIRT-1", name: "Essential tee", colour: "Navy", price: 25, category: "tshirts", swatch: "navy",
      text: "Our everyday crew neck in 180 g organic jersey, cut slightly boxy. Pre-washed, so it keeps its shape." },
    { sku: "TSHIRT-2", name: "Organic cotton tee", colour: "Sand", price: 29, category: "tshirts", swatch: "sand",
      text: "A softer, heavier tee with a rolled sleeve, garment-dyed in Portugal for a lived-in colour." },
    { sku: "TSHIRT-3", name: "Breton stripe tee", colour: "Ecru / navy", price: 39, category: "tshirts", swatch: "stripes",
      text: "The marinière, 21 stripes as tradition wants, in a thick cotton that stands the years." },
    { sku: "SWEAT-1", name: "Crewneck sweater", colour: "Forest", price: 69, category: "sweaters", swatch: "forest",
      text: "Brushed-back fleece, ribbed cuffs and a relaxed fit, knitted in Barcelos." },
    { sku: "SWEAT-2", name: "Heavy hoodie", colour: "Charcoal", price: 75, category: "sweaters", swatch: "charcoal",
      text: "A 400 g hoodie with a double-layer hood and a kangaroo pocket, for the Lyon winter." },
    { sku: "ACC-1", name: "Canvas tote", colour: "Natural", price: 19, category: "accessories", swatch: "natural",
      text: "A sturdy 12 oz canvas tote with long handles and an inner pocket." },
    { sku: "ACC-2", name: "Merino beanie", colour: "Rust", price: 22, category: "accessories", swatch: "rust",
      text: "Fine merino rib, warm without itching, one size." }
  ];
  var CATEGORIES = { tshirts: "T-shirts", sweaters: "Sweaters", accessories: "Accessories" };
  var SIZES = ["XS", "S", "M", "L", "XL"];
  var KEYS = {
    cart: "shop:cart",
    consent: "shop:consent",          // "granted" or "refused": the visitor's answer to the banner
    account: "shop:account",          // { userId, firstName } once signed in
    order: "shop:last-order",         // the order the confirmation page shows
    reported: "shop:reported-order"   // the last order id pushed as a GA4 purchase (never twice)
  };
  var FREE_SHIPPING = 50;
  var SHIPPING = 4.9;

  // ---- small helpers ------------------------------------------------------
  function read(key, fallback) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v == null ? fallback : v; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try {
      if (value == null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage disabled or full: the demo keeps going */ }
  }
  function product(sku) {
    for (var i = 0; i < CATALOGUE.length; i++) if (CATALOGUE[i].sku === sku) return CATALOGUE[i];
    return CATALOGUE[0];
  }
  function param(name) { return new URLSearchParams(location.search).get(name); }
  function euros(n) { return "€" + n.toFixed(2); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else if (attrs[k] != null && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  function $(id) { return document.getElementById(id); }

  /** Calls `parcours[method](...)`, queued while the SDK is still loading. */
  function call(method) {
    var args = Array.prototype.slice.call(arguments);
    window.parcours = window.parcours || [];
    if (Array.isArray(window.parcours)) window.parcours.push(args);
    else return window.parcours[method].apply(window.parcours, args.slice(1));
  }

  // ---- the cart -----------------------------------------------------------
  function cart() { return read(KEYS.cart, []); }
  function saveCart(lines) { write(KEYS.cart, lines); renderCartCount(); }
  function cartValue(lines) { return lines.reduce(function (s, l) { return s + product(l.sku).price * l.quantity; }, 0); }
  function cartCount() { return cart().reduce(function (s, l) { return s + l.quantity; }, 0); }

  // ---- GA4 dataLayer: what the SDK's bridge turns into Segment events ----
  function item(p, extra) {
    var o = { item_id: p.sku, item_name: p.name, item_brand: "Maison Parcours", item_category: p.category,
              item_variant: p.colour, price: p.price, quantity: 1 };
    for (var k in extra || {}) o[k] = extra[k];
    return o;
  }
  function lineItems(lines) {
    return lines.map(function (l, i) { return item(product(l.sku), { quantity: l.quantity, item_variant: l.size || product(l.sku).colour, index: i }); });
  }
  /** One GA4 e-commerce event, as Google recommends: clear the previous `ecommerce` first. */
  function ga4(event, ecommerce) {
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push({ ecommerce: null });
    window.dataLayer.push({ event: event, ecommerce: ecommerce });
  }

  // ---- consent: the shop's cookie banner is the only place that decides ----
  // The script tag says data-consent="required": Parcours stores, sends and
  // shows nothing until `parcours.consent(true)`. The shop remembers the
  // answer (its own key) and tells Parcours on every page, before it loads.
  function consentChoice() { try { return localStorage.getItem(KEYS.consent); } catch (e) { return null; } }
  if (consentChoice() === "granted") call("consent", true);

  function setConsent(granted) {
    try { localStorage.setItem(KEYS.consent, granted ? "granted" : "refused"); } catch (e) { /* asked again next page */ }
    call("consent", granted);
    var banner = $("consent-banner");
    if (banner) banner.hidden = true;
    var opener = $("consent-settings");
    if (opener) opener.focus();
  }
  function renderConsentBanner(open) {
    var banner = $("consent-banner");
    if (!banner) {
      banner = el("section", { id: "consent-banner", class: "consent", "aria-labelledby": "consent-title" }, [
        el("h2", { id: "consent-title", text: "Cookies & personalisation" }),
        el("p", { text: "Maison Parcours would like to measure your visit and personalise offers with Parcours, " +
          "on this site only. Nothing is stored or sent before you accept; you can change your mind at any time " +
          "from the “Cookie settings” link at the bottom of every page." }),
        el("div", { class: "consent-actions" }, [
          el("button", { type: "button", id: "consent-accept", class: "button", text: "Accept" }),
          el("button", { type: "button", id: "consent-refuse", class: "button secondary", text: "Refuse" })
        ])
      ]);
      document.body.appendChild(banner);
      $("consent-accept").addEventListener("click", function () { setConsent(true); });
      $("consent-refuse").addEventListener("click", function () { setConsent(false); });
    }
    banner.hidden = !open;
    if (open && consentChoice()) $("consent-accept").focus();
  }

  // ---- header and footer, the same on every page -------------------------
  function renderHeader() {
    var header = document.querySelector("[data-shop-header]");
    if (!header) return;
    var page = document.body.getAttribute("data-page");
    var link = function (href, text, current) {
      return el("a", { href: href, text: text, "aria-current": current ? "page" : null });
    };
    var cat = param("category");
    var account = read(KEYS.account, null);
    header.className = "site-header";
    header.appendChild(el("a", { class: "skip-link", href: "#main", text: "Skip to content" }));
    header.appendChild(el("div", { class: "wrap header-row" }, [
      el("a", { class: "logo", href: "/" }, ["Maison ", el("span", { text: "Parcours" })]),
      el("nav", { "aria-label": "Main" }, [
        link("/products.html?category=tshirts", "T-shirts", page === "products" && cat === "tshirts"),
        link("/products.html?category=sweaters", "Sweaters", page === "products" && cat === "sweaters"),
        link("/products.html?category=accessories", "Accessories", page === "products" && cat === "accessories"),
        link("/account.html", account ? (account.firstName ? "Bonjour " + account.firstName : "My account") : "Sign in", page === "account"),
        el("a", { class: "cart-link", href: "/cart.html", "aria-current": page === "cart" ? "page" : null }, [
          "Cart ", el("span", { id: "cart-count", class: "badge", "aria-label": "items in the cart", text: "0" })
        ])
      ])
    ]));
  }
  function renderFooter() {
    var footer = document.querySelector("[data-shop-footer]");
    if (!footer) return;
    footer.className = "site-footer";
    var settings = el("button", { type: "button", id: "consent-settings", class: "link-button", text: "Cookie settings" });
    settings.addEventListener("click", function () { renderConsentBanner(true); });
    footer.appendChild(el("div", { class: "wrap footer-grid" }, [
      el("div", {}, [
        el("p", { class: "logo small" }, ["Maison ", el("span", { text: "Parcours" })]),
        el("p", { class: "muted", text: "Organic cotton essentials, designed in Lyon, made in Portugal. A demo shop for the Parcours SDK." })
      ]),
      el("div", { id: "store" }, [
        el("h2", { class: "footer-title", text: "Our store" }),
        el("p", { text: "12 rue de la République, 69002 Lyon · Mon–Sat 10:00–19:00" }),
        el("a", { href: "/#store", "data-parcours-track": "Store Directions Clicked", "data-parcours-prop-store-id": "lyon-1",
          text: "Plan my visit" })
      ]),
      el("nav", { "aria-label": "Footer" }, [
        el("a", { href: "/products.html", text: "All products" }),
        el("a", { href: "/account.html", text: "My account" }),
        el("a", { href: "/install.html", text: "How to install Parcours" }),
        settings
      ])
    ]));
    footer.appendChild(el("p", { class: "wrap muted fine", text: "Free shipping from €50 · 30-day free returns · Prices include VAT" }));
  }
  function renderCartCount() {
    var badge = $("cart-count");
    if (badge) badge.textContent = String(cartCount());
  }

  // ---- product cards ------------------------------------------------------
  function card(p, list, index) {
    var a = el("a", { class: "card", href: "/product.html?sku=" + encodeURIComponent(p.sku) }, [
      el("div", { class: "swatch swatch-" + p.swatch, role: "img", "aria-label": p.name + ", " + p.colour }),
      el("h3", { text: p.name }),
      el("p", { class: "muted", text: p.colour }),
      el("p", { class: "price", text: euros(p.price) })
    ]);
    a.addEventListener("click", function () {
      ga4("select_item", { item_list_id: list, item_list_name: listName(list), items: [item(p, { index: index })] });
    });
    return a;
  }
  function renderGrid(target, items, list) {
    if (!target) return;
    items.forEach(function (p, i) { target.appendChild(card(p, list, i)); });
  }
  function listName(list) { return CATEGORIES[list] || (list === "featured" ? "Featured" : "All products"); }
  function listItems(list) {
    return list === "featured" ? CATALOGUE.slice(0, 4)
      : CATALOGUE.filter(function (p) { return list === "all" || p.category === list; });
  }
  function viewList(list) {
    ga4("view_item_list", { item_list_id: list, item_list_name: listName(list),
      items: listItems(list).map(function (p, i) { return item(p, { index: i }); }) });
  }
  var PRODUCT_OF_THE_WEEK = "TSHIRT-3";

  // ---- pages: what each reports (at once, in <head>) and what it draws ----
  var PAGES = {
    home: {
      report: function () { viewList("featured"); },
      render: function () {
        renderGrid($("featured-grid"), listItems("featured"), "featured");
        // The address stays with the shop; the button's data-parcours-track counts the sign-up.
        $("newsletter-form").addEventListener("submit", function (e) {
          e.preventDefault();
          e.target.querySelector("[role=status]").textContent = "Merci! You are on the list.";
        });
      }
    },
    products: {
      report: function () {
        var list = CATEGORIES[param("category")] ? param("category") : "all";
        viewList(list);
        // The product of the week, with its details and price, tops every list.
        var p = product(PRODUCT_OF_THE_WEEK);
        ga4("view_item", { currency: "EUR", value: p.price, item_list_id: list, items: [item(p, { index: 0 })] });
      },
      render: function () {
        var list = CATEGORIES[param("category")] ? param("category") : "all";
        $("list-title").textContent = listName(list);
        document.title = listName(list) + " — Maison Parcours";
        document.querySelectorAll("[data-category-filter]").forEach(function (a) {
          if (a.getAttribute("data-category-filter") === (list === "all" ? "" : list)) a.setAttribute("aria-current", "page");
        });
        var week = product(PRODUCT_OF_THE_WEEK);
        $("week-link").href = "/product.html?sku=" + week.sku;
        $("week-name").textContent = week.name + " — " + euros(week.price);
        renderGrid($("product-grid"), listItems(list), list);
      }
    },
    product: {
      report: function () {
        var p = product(param("sku"));
        ga4("view_item", { currency: "EUR", value: p.price, items: [item(p)] });
      },
      render: renderProduct
    },
    cart: {
      report: function () {
        var lines = cart();
        ga4("view_cart", { currency: "EUR", value: cartValue(lines), items: lineItems(lines) });
      },
      render: renderCart
    },
    checkout: {
      report: function () {
        var lines = cart();
        if (lines.length) ga4("begin_checkout", { currency: "EUR", value: cartValue(lines), items: lineItems(lines) });
      },
      render: renderCheckout
    },
    order: {
      report: function () {
        // The purchase is reported on the confirmation page, once per order (not again on a reload).
        var order = read(KEYS.order, null);
        if (!order || read(KEYS.reported, null) === order.id) return;
        write(KEYS.reported, order.id);
        var purchase = { transaction_id: order.id, value: order.value, shipping: order.shipping, currency: "EUR",
                         items: lineItems(order.lines) };
        if (order.coupon) purchase.coupon = order.coupon;
        ga4("purchase", purchase);
      },
      render: renderOrder
    },
    account: { report: function () {}, render: renderAccount },
    install: { report: function () {}, render: function () {} }
  };

  function renderProduct() {
    var p = product(param("sku"));
    document.title = p.name + " — Maison Parcours";
    $("product-swatch").className = "swatch large swatch-" + p.swatch;
    $("product-swatch").setAttribute("aria-label", p.name + ", " + p.colour);
    $("product-name").textContent = p.name;
    $("product-colour").textContent = p.colour;
    $("product-price").textContent = euros(p.price);
    $("product-text").textContent = p.text;
    var crumb = $("product-category");
    crumb.textContent = CATEGORIES[p.category];
    crumb.href = "/products.html?category=" + p.category;
    var sizes = $("sizes");
    var sized = p.category !== "accessories";
    sizes.hidden = !sized;
    if (sized) {
      SIZES.forEach(function (s) {
        var id = "size-" + s;
        sizes.appendChild(el("input", { type: "radio", name: "size", id: id, value: s, checked: s === "M" }));
        sizes.appendChild(el("label", { for: id, text: s }));
      });
    }
    $("size-guide").setAttribute("data-parcours-prop-product-id", p.sku);
    $("add-to-cart").addEventListener("click", function () {
      var checked = document.querySelector("input[name=size]:checked");
      var size = sized && checked ? checked.value : null;
      var lines = cart();
      var line = lines.filter(function (l) { return l.sku === p.sku && (l.size || null) === size; })[0];
      if (line) line.quantity += 1; else lines.push({ sku: p.sku, size: size, quantity: 1 });
      saveCart(lines);
      ga4("add_to_cart", { currency: "EUR", value: p.price, items: [item(p, { item_variant: size || p.colour })] });
      $("added-note").textContent = p.name + (size ? " (" + size + ")" : "") + " added to your cart.";
    });
  }

  function renderCart() {
    var list = $("cart-lines");
    list.textContent = "";
    var lines = cart();
    lines.forEach(function (l, i) {
      var p = product(l.sku);
      var remove = el("button", { type: "button", class: "link-button", text: "Remove",
        "aria-label": "Remove " + p.name + " from the cart" });
      remove.addEventListener("click", function () {
        var rest = cart();
        var gone = rest.splice(i, 1)[0];
        saveCart(rest);
        if (gone) ga4("remove_from_cart", { currency: "EUR", value: p.price * gone.quantity, items: lineItems([gone]) });
        renderCart();
      });
      list.appendChild(el("li", { class: "cart-line" }, [
        el("div", { class: "swatch small swatch-" + p.swatch }),
        el("div", { class: "grow" }, [
          el("strong", { text: p.name }),
          el("p", { class: "muted", text: p.colour + (l.size ? " · size " + l.size : "") + " · qty " + l.quantity })
        ]),
        el("span", { class: "price", text: euros(p.price * l.quantity) }),
        remove
      ]));
    });
    var total = cartValue(lines);
    $("cart-empty").hidden = lines.length > 0;
    $("cart-summary").hidden = lines.length === 0;
    $("cart-total").textContent = euros(total);
    $("cart-shipping").textContent = total >= FREE_SHIPPING ? "Free shipping" :
      "Add " + euros(FREE_SHIPPING - total) + " more for free shipping";
  }

  function renderCheckout() {
    var lines = cart();
    var value = cartValue(lines);
    var shipping = value >= FREE_SHIPPING ? 0 : SHIPPING;
    $("checkout-empty").hidden = lines.length > 0;
    $("checkout-form").hidden = lines.length === 0;
    var summary = $("checkout-lines");
    lines.forEach(function (l) {
      var p = product(l.sku);
      summary.appendChild(el("li", {}, [p.name + (l.size ? " (" + l.size + ")" : "") + " × " + l.quantity,
        el("span", { class: "price", text: euros(p.price * l.quantity) })]));
    });
    $("checkout-shipping").textContent = shipping ? euros(shipping) : "Free";
    $("checkout-total").textContent = euros(value + shipping);
    var account = read(KEYS.account, null);
    if (account && account.firstName) $("co-name").value = account.firstName;
    $("checkout-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var form = e.target;
      if (!form.reportValidity()) return;
      var coupon = $("co-coupon").value.trim().toUpperCase();
      var order = { id: "MP-" + Date.now().toString(36).toUpperCase(), value: value + shipping, shipping: shipping,
                    coupon: coupon || null, lines: lines, at: new Date().toISOString() };
      write(KEYS.order, order);
      saveCart([]);
      location.assign("/order.html?order=" + encodeURIComponent(order.id));
    });
  }

  function renderOrder() {
    var order = read(KEYS.order, null);
    $("order-missing").hidden = !!order;
    $("order-done").hidden = !order;
    if (!order) return;
    $("order-id").textContent = order.id;
    $("order-total").textContent = euros(order.value);
    var list = $("order-lines");
    order.lines.forEach(function (l) {
      var p = product(l.sku);
      list.appendChild(el("li", {}, [p.name + (l.size ? " (" + l.size + ")" : "") + " × " + l.quantity,
        el("span", { class: "price", text: euros(p.price * l.quantity) })]));
    });
  }

  // ---- account: the site's own login, then identify with a signed token ----
  function renderAccount() {
    var account = read(KEYS.account, null);
    $("signed-out").hidden = !!account;
    $("signed-in").hidden = !account;
    if (account) {
      $("account-name").textContent = account.firstName || "you";
      $("account-id").textContent = account.userId;
    }
  }
  function setUpAccount() {
    var form = $("login-form");
    if (!form) return;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var status = $("login-status");
      var email = $("login-email").value.trim();
      var firstName = $("login-first-name").value.trim();
      status.textContent = "Signing in…";
      // The site's backend checks who this is and signs a user token; the
      // e-mail address stays with the shop: Parcours only gets the user id.
      fetch("/demo/login", { method: "POST", headers: { "content-type": "application/json" },
                             body: JSON.stringify({ email: email }) })
        .then(function (r) {
          if (r.status === 404) throw new Error("this server has no demo backend (start it with --demo-backend)");
          if (!r.ok) return r.json().then(function (b) { throw new Error(b.message || b.error || ("HTTP " + r.status)); });
          return r.json();
        })
        .then(function (who) {
          var traits = firstName ? { first_name: firstName } : {};
          call("identify", who.userId, traits, { token: who.token });
          window.dataLayer = window.dataLayer || [];
          window.dataLayer.push({ event: "login", method: "email" });
          write(KEYS.account, { userId: who.userId, firstName: firstName });
          status.textContent = "";
          renderAccount();
          $("account-heading").focus();
        })
        .catch(function (err) { status.textContent = "Could not sign in: " + err.message; });
    });
    $("logout").addEventListener("click", function () {
      write(KEYS.account, null);
      // A new anonymous visitor: the next person on this browser is not the last one.
      call("reset");
      renderAccount();
      $("login-email").focus();
    });
  }

  /** A product as Segment's e-commerce properties (what the bridge makes of a GA4 item), for scripts such as bench/browser/track.mjs. */
  function props(p, extra) {
    var o = { product_id: p.sku, sku: p.sku, name: p.name, price: p.price, category: p.category, currency: "EUR" };
    for (var k in extra || {}) o[k] = extra[k];
    return o;
  }

  var current = null;
  window.SHOP = {
    catalogue: CATALOGUE,
    product: product,
    props: props,
    param: param,
    cart: cart,
    keys: KEYS,
    /** Called in each page's <head>: reports the page to the dataLayer at once, draws it once parsed. */
    start: function (page) {
      current = PAGES[page] ? page : null;
      if (current) PAGES[current].report();
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    renderHeader();
    renderFooter();
    renderCartCount();
    if (!consentChoice()) renderConsentBanner(true);
    if (current) PAGES[current].render();
    if (current === "account") setUpAccount();
  });
})();
