// The demo shop's own code: catalogue, cart (the shop's localStorage key), and
// rendering with DOM APIs. Parcours is only called through `window.parcours`.
(function () {
  "use strict";
  var CATALOGUE = [
    { sku: "TSHIRT-1", name: "Essential tee", colour: "Navy", price: 25, category: "tshirts", swatch: "navy" },
    { sku: "TSHIRT-2", name: "Organic cotton tee", colour: "Sand", price: 29, category: "tshirts", swatch: "sand" },
    { sku: "TSHIRT-3", name: "Breton stripe tee", colour: "Ecru / navy", price: 39, category: "tshirts", swatch: "stripes" },
    { sku: "SWEAT-1", name: "Crewneck sweater", colour: "Forest", price: 69, category: "sweaters", swatch: "forest" },
    { sku: "SWEAT-2", name: "Heavy hoodie", colour: "Charcoal", price: 75, category: "sweaters", swatch: "charcoal" },
    { sku: "ACC-1", name: "Canvas tote", colour: "Natural", price: 19, category: "accessories", swatch: "natural" },
    { sku: "ACC-2", name: "Merino beanie", colour: "Rust", price: 22, category: "accessories", swatch: "rust" }
  ];
  var CATEGORIES = { tshirts: "T-shirts", sweaters: "Sweaters", accessories: "Accessories" };
  var CART_KEY = "shop:cart";

  function product(sku) {
    for (var i = 0; i < CATALOGUE.length; i++) if (CATALOGUE[i].sku === sku) return CATALOGUE[i];
    return CATALOGUE[0];
  }
  function param(name) { return new URLSearchParams(location.search).get(name); }
  function euros(n) { return "€" + n.toFixed(2); }
  function props(p, extra) {
    var o = { product_id: p.sku, sku: p.sku, name: p.name, price: p.price, category: p.category, currency: "EUR" };
    for (var k in extra || {}) o[k] = extra[k];
    return o;
  }
  function cart() {
    try { return JSON.parse(localStorage.getItem(CART_KEY)) || []; } catch (e) { return []; }
  }
  function saveCart(items) {
    try { localStorage.setItem(CART_KEY, JSON.stringify(items)); } catch (e) { /* the demo keeps going */ }
    renderCartCount();
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function call(method) {
    var args = Array.prototype.slice.call(arguments);
    window.parcours = window.parcours || [];
    if (Array.isArray(window.parcours)) window.parcours.push(args);
    else window.parcours[method].apply(window.parcours, args.slice(1));
  }

  function card(p) {
    var a = el("a", "card");
    a.href = "/product.html?sku=" + encodeURIComponent(p.sku);
    a.appendChild(el("div", "swatch swatch-" + p.swatch));
    a.appendChild(el("h3", null, p.name));
    a.appendChild(el("p", "muted", p.colour));
    a.appendChild(el("p", "price", euros(p.price)));
    return a;
  }
  function renderGrid(target, items) {
    if (!target) return;
    items.forEach(function (p) { target.appendChild(card(p)); });
  }
  function renderCartCount() {
    var n = cart().reduce(function (s, i) { return s + i.quantity; }, 0);
    var badge = document.getElementById("cart-count");
    if (badge) badge.textContent = String(n);
  }

  function renderProducts() {
    var cat = param("category");
    var items = CATALOGUE.filter(function (p) { return !cat || p.category === cat; });
    var title = document.getElementById("list-title");
    if (title) title.textContent = cat && CATEGORIES[cat] ? CATEGORIES[cat] : "All products";
    document.querySelectorAll("[data-category-filter]").forEach(function (a) {
      if ((a.getAttribute("data-category-filter") || null) === (cat || null) || (!cat && a.getAttribute("data-category-filter") === "")) a.classList.add("active");
    });
    renderGrid(document.getElementById("product-grid"), items);
  }

  function renderProduct() {
    var p = product(param("sku"));
    document.title = p.name + " — Maison Parcours";
    document.getElementById("product-swatch").className = "swatch large swatch-" + p.swatch;
    document.getElementById("product-name").textContent = p.name;
    document.getElementById("product-colour").textContent = p.colour;
    document.getElementById("product-price").textContent = euros(p.price);
    var crumb = document.getElementById("product-category");
    crumb.textContent = CATEGORIES[p.category];
    crumb.href = "/products.html?category=" + p.category;
    var button = document.getElementById("add-to-cart");
    var note = document.getElementById("added-note");
    button.addEventListener("click", function () {
      var items = cart();
      var line = items.filter(function (i) { return i.sku === p.sku; })[0];
      if (line) line.quantity += 1; else items.push({ sku: p.sku, quantity: 1 });
      saveCart(items);
      call("track", "Product Added", props(p, { quantity: 1, cart_id: "demo" }));
      note.textContent = p.name + " added to your cart.";
    });
  }

  function renderCart() {
    var items = cart();
    var list = document.getElementById("cart-lines");
    var total = 0;
    items.forEach(function (i) {
      var p = product(i.sku);
      total += p.price * i.quantity;
      var row = el("li", "cart-line");
      row.appendChild(el("div", "swatch small swatch-" + p.swatch));
      var info = el("div", "grow");
      info.appendChild(el("strong", null, p.name));
      info.appendChild(el("p", "muted", p.colour + " · qty " + i.quantity));
      row.appendChild(info);
      row.appendChild(el("span", "price", euros(p.price * i.quantity)));
      list.appendChild(row);
    });
    document.getElementById("cart-empty").hidden = items.length > 0;
    document.getElementById("cart-summary").hidden = items.length === 0;
    document.getElementById("cart-total").textContent = euros(total);
    var checkout = document.getElementById("checkout");
    checkout.addEventListener("click", function () {
      var products = items.map(function (i) { return props(product(i.sku), { quantity: i.quantity }); });
      call("track", "Checkout Started", { value: total, currency: "EUR", products: products });
      call("track", "Order Completed", { order_id: "D-" + Date.now(), revenue: total, currency: "EUR", products: products });
      saveCart([]);
      list.textContent = "";
      document.getElementById("cart-summary").hidden = true;
      document.getElementById("cart-done").hidden = false;
    });
  }

  window.SHOP = {
    catalogue: CATALOGUE,
    product: product,
    param: param,
    props: props,
    cart: cart,
    cartProps: function () {
      var items = cart();
      return {
        cart_id: "demo",
        value: items.reduce(function (s, i) { return s + product(i.sku).price * i.quantity; }, 0),
        products: items.map(function (i) { return props(product(i.sku), { quantity: i.quantity }); })
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    renderCartCount();
    var page = document.body.getAttribute("data-page");
    if (page === "home") renderGrid(document.getElementById("featured-grid"), CATALOGUE.slice(0, 4));
    if (page === "products") renderProducts();
    if (page === "product") renderProduct();
    if (page === "cart") renderCart();
  });
})();
