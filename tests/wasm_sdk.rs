#![cfg(target_arch = "wasm32")]
//! The browser layer in a real browser: storage failures, the outbox,
//! JsValue ⇄ Value, rendering, and the pre-load queue.

use js_sys::{Array, Function, Object, Reflect, JSON};
use parcours::convert::{to_js, to_value};
use parcours::outbox::{Msg, Outbox, Queued};
use parcours::render::{self, Outcome};
use parcours::storage::{Store, StoreError};
use parcours_engine::{Decision, Value};
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn js(src: &str) -> JsValue {
    Function::new_no_args(&["return (", src, ");"].concat())
        .call0(&JsValue::NULL)
        .unwrap()
}

fn local() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

// ----- storage -----

#[wasm_bindgen_test]
fn corrupted_json_in_storage_is_discarded_not_thrown() {
    local()
        .set_item("parcours:test-corrupt", "{not json")
        .unwrap();
    let store = Store::local();
    assert!(store.get_json("test-corrupt").is_none());
    assert_eq!(
        local().get_item("parcours:test-corrupt").unwrap(),
        None,
        "the corrupted key is removed"
    );
}

/// The Rust parser (cached and fetched rules) reads what the page's
/// `JSON.parse` reads, walked into a value as every other JS input is.
#[wasm_bindgen_test]
fn rust_json_parsing_agrees_with_the_pages_json_parse() {
    parcours::use_the_pages_text_functions();
    let texts = [
        include_str!("../demo/rules.json"),
        r#"{"n": [0, -0, 1.5e3, 123456789012345678, 1e-7, 5e-324, 1e400], "z": null}"#,
        r#"["\ud83d\ude00", "\u00e9\n\t\"\\\/", "é😀", "", "\u0000"]"#,
        r#"{"dup": 1, "dup": 2, "a": {"b": {"c": [true, false, {}]}}}"#,
    ];
    for text in texts {
        let page = to_value(&JSON::parse(text).unwrap());
        assert_eq!(parcours_engine::json::parse(text), Ok(page), "{text}");
    }
    for bad in ["{", "[1,]", "01", r#""\u12""#, r#"{"a" 1}"#, "nul", "1 2"] {
        assert!(JSON::parse(bad).is_err(), "{bad}");
        assert!(parcours_engine::json::parse(bad).is_err(), "{bad}");
    }
}

#[wasm_bindgen_test]
fn a_storage_that_throws_on_every_call_reads_as_empty_and_writes_fail_softly() {
    let throwing = js("{ getItem() { throw new Error('denied') }, setItem() { throw new Error('denied') },
        removeItem() { throw new Error('denied') }, key() { throw new Error('denied') }, get length() { throw new Error('denied') } }");
    let store = Store::with_backend(throwing);
    assert_eq!(store.get("visitor"), None);
    assert!(store.get_json("visitor").is_none());
    assert_eq!(store.set("visitor", "{}"), Err(StoreError::Failed));
    store.remove("visitor");
    store.clear_all();
}

#[wasm_bindgen_test]
fn a_full_storage_reports_quota_without_throwing() {
    let full = js(
        "{ getItem() { return null }, removeItem() {}, key() { return null }, length: 0,
        setItem() { throw new DOMException('full', 'QuotaExceededError') } }",
    );
    assert_eq!(
        Store::with_backend(full).set("outbox", "[]"),
        Err(StoreError::Quota)
    );
}

#[wasm_bindgen_test]
fn the_real_local_storage_filled_to_its_quota_reports_quota() {
    let ls = local();
    let chunk = "x".repeat(512 * 1024);
    let mut filled = Vec::new();
    for i in 0..40 {
        let key = ["fill-", &i.to_string()].concat();
        if ls.set_item(&key, &chunk).is_err() {
            break;
        }
        filled.push(key);
    }
    let result = Store::local().set("big", &"y".repeat(1024 * 1024));
    for k in &filled {
        ls.remove_item(k).unwrap();
    }
    assert_eq!(result, Err(StoreError::Quota));
}

#[wasm_bindgen_test]
fn a_missing_storage_is_unavailable() {
    let store = Store::none();
    assert!(!store.is_available());
    assert_eq!(store.set("k", "v"), Err(StoreError::Unavailable));
    assert_eq!(store.get("k"), None);
}

#[wasm_bindgen_test]
fn clear_all_removes_only_our_keys() {
    let ls = local();
    ls.set_item("host-key", "keep").unwrap();
    ls.set_item("parcours:a", "1").unwrap();
    ls.set_item("parcours:b", "2").unwrap();
    Store::local().clear_all();
    assert_eq!(ls.get_item("host-key").unwrap().as_deref(), Some("keep"));
    assert_eq!(ls.get_item("parcours:a").unwrap(), None);
    assert_eq!(ls.get_item("parcours:b").unwrap(), None);
    ls.remove_item("host-key").unwrap();
}

// ----- outbox -----

fn msg(i: usize) -> Msg {
    let id = ["m", &i.to_string()].concat();
    Msg {
        json: ["{\"messageId\":\"", &id, "\",\"n\":", &i.to_string(), "}"].concat(),
        id,
    }
}

fn ids(o: &Outbox) -> Vec<String> {
    o.iter().map(|q| q.msg.id.clone()).collect()
}

#[wasm_bindgen_test]
fn the_outbox_is_bounded_by_count_drops_oldest_and_keeps_order() {
    let mut o = Outbox::new(5, 1_000_000);
    let mut dropped = Vec::new();
    for i in 0..8 {
        dropped.extend(o.push(Queued::new(msg(i))));
    }
    assert_eq!(ids(&o), ["m3", "m4", "m5", "m6", "m7"]);
    assert_eq!(o.dropped, 3);
    assert_eq!(
        dropped.len(),
        3,
        "the dropped messages are handed back (their keys are removed)"
    );
}

#[wasm_bindgen_test]
fn the_outbox_is_bounded_by_bytes() {
    let one = msg(1).json.len();
    let mut o = Outbox::new(100, one * 3 + 1);
    for i in 1..=6 {
        o.push(Queued::new(msg(i)));
    }
    assert!(o.bytes() <= one * 3 + 1);
    assert_eq!(o.iter().last().unwrap().msg.id, "m6", "the newest is kept");
    assert!(o.dropped >= 3);
}

#[wasm_bindgen_test]
fn the_outbox_ignores_duplicates_removes_by_id_and_skips_carried_messages() {
    let mut o = Outbox::default();
    for i in 0..4 {
        o.push(Queued::new(msg(i)));
    }
    o.push(Queued::new(msg(2)));
    assert_eq!(o.len(), 4);
    let gone = o.remove_ids(&["m1".into(), "m3".into()]);
    assert_eq!(gone.len(), 2);
    assert_eq!(ids(&o), ["m0", "m2"]);
    let front = o.front(1, 10_000, |_| true);
    assert_eq!(front.len(), 1);
    assert_eq!(front[0].id, "m0");
    o.iter_mut().next().unwrap().carried = true;
    let front = o.front(20, 10_000, |q| !q.carried);
    assert_eq!(
        front.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m2"]
    );
}

#[wasm_bindgen_test]
fn the_legacy_outbox_array_is_read_back() {
    let text = r#"[{"messageId":"a","n":1},{"n":2},{"messageId":"b"}]"#;
    let back = parcours::outbox::legacy_from_json(text);
    assert_eq!(
        back.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(parcours::outbox::legacy_from_json("{oops").is_empty());
}

#[wasm_bindgen_test]
fn beacon_bodies_are_chunked_under_the_limit() {
    let big: Vec<Msg> = (0..200)
        .map(|i| {
            let mut m = msg(i);
            m.json = [
                "{\"messageId\":\"",
                &m.id,
                "\",\"pad\":\"",
                &"p".repeat(1000),
                "\"}",
            ]
            .concat();
            m
        })
        .collect();
    let refs: Vec<&Msg> = big.iter().collect();
    let bodies = parcours::transport::chunked_bodies("demo", &refs, 60_000);
    assert!(bodies.len() >= 4);
    let mut count = 0;
    for b in &bodies {
        assert!(b.len() < 60_000, "chunk of {} bytes", b.len());
        let parsed = JSON::parse(b).unwrap();
        assert_eq!(
            Reflect::get(&parsed, &"writeKey".into())
                .unwrap()
                .as_string()
                .as_deref(),
            Some("demo")
        );
        count += Array::from(&Reflect::get(&parsed, &"batch".into()).unwrap()).length();
    }
    assert_eq!(count, 200, "every message is in exactly one chunk");
}

// ----- ids -----

#[wasm_bindgen_test]
fn ids_are_uuid_v4() {
    let a = parcours::ids::uuid_v4();
    let b = parcours::ids::uuid_v4();
    assert_ne!(a, b);
    let re = js_sys::RegExp::new(
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        "",
    );
    assert!(re.test(&a), "{a}");
}

// ----- conversions -----

fn round_trip_json(text: &str) {
    let original = JSON::parse(text).unwrap();
    let v = to_value(&original);
    let back = to_js(&v);
    assert_eq!(
        JSON::stringify(&back).unwrap().as_string(),
        JSON::stringify(&original).unwrap().as_string(),
        "{text}"
    );
    assert_eq!(to_value(&back), v);
}

#[wasm_bindgen_test]
fn js_values_round_trip_through_engine_values() {
    round_trip_json("null");
    round_trip_json("[1, 0.1, -3.5, 1e21, 12345678901234, -0]");
    round_trip_json(r#"{"a": {"b": [1, {"c": null}, [true, false]]}, "z": "last"}"#);
    // Engine objects are ordered maps: keys come back sorted.
    round_trip_json(
        r#"{"empty": {}, "list": [], "quote": "\"<b>\"", "émoji": "😀 日本語 \u00e9\u0301"}"#,
    );
    round_trip_json(r#"{"__proto__": {"polluted": true}}"#);
    assert_eq!(to_value(&JsValue::from_f64(2.0)), Value::Number(2.0));
    assert_eq!(to_value(&JsValue::UNDEFINED), Value::Null);
    let obj = js("{ keep: 1, skip: undefined, f() {}, d: new Date(0) }");
    let v = to_value(&obj);
    assert_eq!(v.get("keep"), Some(&Value::Number(1.0)));
    assert_eq!(v.get("skip"), None);
    assert_eq!(v.get("f"), None);
    assert_eq!(
        v.get("d").and_then(Value::as_str),
        Some("1970-01-01T00:00:00.000Z")
    );
    let cyclic = js("(() => { const o = { a: 1 }; o.self = o; return o; })()");
    let _ = to_value(&cyclic); // cut at the depth limit, no stack overflow
    let proto = to_js(&to_value(
        &JSON::parse(r#"{"__proto__": {"x": 1}}"#).unwrap(),
    ));
    assert!(
        Object::get_prototype_of(&proto) == Object::get_prototype_of(&Object::new()),
        "__proto__ stays a plain key"
    );
}

#[wasm_bindgen_test]
fn js_regexp_compiler_matches_ecmascript() {
    use parcours_engine::regex::RegexCompiler;
    let c = parcours::regex::JsRegexCompiler;
    assert!(c
        .compile("^/products", false)
        .unwrap()
        .is_match("/products.html"));
    assert!(!c
        .compile("^/products", false)
        .unwrap()
        .is_match("/cart.html"));
    assert!(c.compile("HELLO", true).unwrap().is_match("oh hello"));
    assert!(
        c.compile("(?<=a)b", false).unwrap().is_match("ab"),
        "lookbehind"
    );
    assert!(
        c.compile("([a", false).is_none(),
        "an invalid pattern compiles to None, no throw"
    );
}

// ----- rendering -----

thread_local! {
    static OUTCOME: Cell<Option<Outcome>> = const { Cell::new(None) };
}

fn record_outcome(o: Outcome) {
    OUTCOME.with(|c| c.set(Some(o)));
}

fn decision(title: &str, url: &str) -> Decision {
    Decision {
        campaign_id: "welcome".into(),
        variant_id: "a".into(),
        holdout: false,
        placement: "popin".into(),
        selector: None,
        position: None,
        content: Value::from_pairs([
            ("title", title.into()),
            ("body", "Free shipping this week".into()),
            (
                "cta",
                Value::from_pairs([("label", "Shop".into()), ("url", url.into())]),
            ),
        ]),
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
fn the_popin_is_an_accessible_dialog_in_an_open_shadow_root_and_escape_closes_it() {
    let doc = document();
    let before = doc.create_element("button").unwrap();
    before.set_text_content(Some("host button"));
    doc.body().unwrap().append_child(&before).unwrap();
    before.unchecked_ref::<HtmlElement>().focus().unwrap();

    let hostile = "<img src=x onerror=alert(1)>";
    let popin = render::show(&decision(hostile, "/products.html?promo=1"), record_outcome).unwrap();

    let host = doc
        .query_selector("[data-parcours-campaign=\"welcome\"]")
        .unwrap()
        .expect("host element");
    assert_eq!(
        host.get_attribute("data-parcours-variant").as_deref(),
        Some("a")
    );
    let root = host.shadow_root().expect("an open shadow root");
    let dialog = root
        .query_selector("[role=dialog]")
        .unwrap()
        .expect("role=dialog");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    let title = root
        .get_element_by_id(&title_id)
        .expect("labelled by the title");
    assert_eq!(
        title.text_content().as_deref(),
        Some(hostile),
        "the title is text"
    );
    assert!(
        root.query_selector("img").unwrap().is_none(),
        "no element created from the title"
    );
    assert!(doc.query_selector("img").unwrap().is_none());
    assert!(
        root.query_selector("style").unwrap().is_none(),
        "styles are adopted, not injected"
    );
    assert_eq!(root.adopted_style_sheets().length(), 1);
    let close = root
        .query_selector("button[aria-label]")
        .unwrap()
        .expect("a labelled close button");
    assert_eq!(
        root.active_element().as_ref(),
        Some(&close),
        "focus moved into the dialog"
    );
    let cta = root.query_selector("a.cta").unwrap().unwrap();
    assert!(cta
        .get_attribute("href")
        .unwrap()
        .ends_with("/products.html?promo=1"));
    assert!(
        before.unchecked_ref::<HtmlElement>().inert(),
        "the page behind is inert"
    );

    OUTCOME.with(|c| c.set(None));
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    init.set_composed(true);
    let esc = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    close.dispatch_event(&esc).unwrap();
    assert_eq!(
        OUTCOME.with(Cell::get),
        Some(Outcome::Dismissed),
        "Escape dismisses"
    );

    drop(popin);
    assert!(
        doc.query_selector("[data-parcours-campaign]")
            .unwrap()
            .is_none(),
        "removed on close"
    );
    assert_eq!(
        doc.active_element().as_ref(),
        Some(&before),
        "focus returned"
    );
    assert!(
        !before.unchecked_ref::<HtmlElement>().inert(),
        "the page is interactive again"
    );
    before.remove();
}

#[wasm_bindgen_test]
fn unsafe_cta_urls_get_no_href_and_the_close_button_dismisses() {
    let popin = render::show(&decision("Hi", "javascript:alert(1)"), record_outcome).unwrap();
    let root = document()
        .query_selector("[data-parcours-campaign]")
        .unwrap()
        .unwrap()
        .shadow_root()
        .unwrap();
    let cta = root.query_selector("a.cta").unwrap().unwrap();
    assert_eq!(cta.get_attribute("href"), None);
    OUTCOME.with(|c| c.set(None));
    root.query_selector("button[aria-label]")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    assert_eq!(OUTCOME.with(Cell::get), Some(Outcome::Dismissed));
    drop(popin);
    assert_eq!(render::safe_href("data:text/html,x"), None);
    assert_eq!(render::safe_href(" JaVaScRiPt:alert(1)"), None);
    assert!(render::safe_href("mailto:shop@example.com").is_some());
    assert!(render::safe_href("https://example.com/x").is_some());
}

#[wasm_bindgen_test]
fn a_host_dialog_that_is_open_is_detected() {
    let doc = document();
    assert!(!render::host_modal_open(&doc));
    let d = doc.create_element("dialog").unwrap();
    d.set_attribute("open", "").unwrap();
    doc.body().unwrap().append_child(&d).unwrap();
    assert!(render::host_modal_open(&doc));
    d.remove();
}

// ----- the live API and the queue (needs the engine) -----

#[wasm_bindgen_test]
fn start_replays_the_queue_in_order_and_replaces_it_with_the_api() {
    local().clear().unwrap();
    let w = web_sys::window().unwrap();
    let errors = js("[]");
    let queue = Array::new();
    queue.push(&js("['track', 'First', { n: 1 }]"));
    let on_error = Function::new_with_args("e", "this.push(e)").bind0(&errors);
    queue.push(&Array::of3(&"on".into(), &"error".into(), &on_error));
    queue.push(&js("['track', 42]")); // invalid: emits error, never throws
    queue.push(&js("['track', 'Second', { n: 2 }]"));
    queue.push(&js("['identify', 'user-1', { plan: 'pro' }]"));
    Reflect::set(&w, &"parcours".into(), &queue).unwrap();

    parcours::start(js(
        "{ writeKey: 'test', endpoint: '', autoPage: false, fetchRules: false }",
    ));

    let api = Reflect::get(&w, &"parcours".into()).unwrap();
    assert!(!Array::is_array(&api), "the queue is replaced");
    assert!(Reflect::get(&api, &"track".into()).unwrap().is_function());
    assert_eq!(
        Array::from(&errors).length(),
        1,
        "the invalid call emitted one error"
    );

    let sent: Vec<(String, String)> = parcours::sdk::with_sdk(|s| {
        s.delivery
            .outbox
            .iter()
            .map(|q| {
                let m = &q.msg;
                let v = JSON::parse(&m.json).unwrap();
                let kind = Reflect::get(&v, &"type".into())
                    .unwrap()
                    .as_string()
                    .unwrap();
                let name = Reflect::get(&v, &"event".into())
                    .unwrap()
                    .as_string()
                    .unwrap_or_default();
                (kind, name)
            })
            .collect()
    })
    .unwrap();
    let tracks: Vec<&str> = sent
        .iter()
        .filter(|(k, _)| k == "track")
        .map(|(_, n)| n.as_str())
        .collect();
    let first = tracks
        .iter()
        .position(|n| *n == "First")
        .expect("First queued");
    let second = tracks
        .iter()
        .position(|n| *n == "Second")
        .expect("Second queued");
    assert!(first < second, "replayed in order: {tracks:?}");
    assert_eq!(sent.last().map(|(k, _)| k.as_str()), Some("identify"));
    parcours::sdk::with_sdk(|s| s.flush_writes());
    let stored: Vec<String> = (0..local().length().unwrap())
        .filter_map(|i| local().key(i).unwrap())
        .filter(|k| k.starts_with("parcours:o:"))
        .map(|k| local().get_item(&k).unwrap().unwrap())
        .collect();
    assert_eq!(stored.len(), sent.len(), "one key per message");
    assert!(
        stored.iter().any(|m| m.contains("\"Second\"")),
        "persisted before any send"
    );

    // The same API after load, through push, and a call that throws in a listener.
    let track = Function::from(Reflect::get(&api, &"push".into()).unwrap());
    track.call1(&api, &js("['track', 'Third']")).unwrap();
    let thrower = Function::new_no_args("throw new Error('listener bug')");
    Function::from(Reflect::get(&api, &"on".into()).unwrap())
        .call2(&api, &"error".into(), &thrower)
        .unwrap();
    Function::from(Reflect::get(&api, &"track".into()).unwrap())
        .call1(&api, &JsValue::NULL)
        .unwrap();
    assert_eq!(Array::from(&errors).length(), 2);
    parcours::sdk::uninstall();
    local().clear().unwrap();
}

/// The script tag's build reads numbers without core's float parser: its
/// exact path or the page's `parseFloat`, bit for bit what `Number(s)` gives.
#[wasm_bindgen_test]
fn numbers_read_as_the_page_reads_them() {
    parcours::use_the_pages_text_functions();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut texts: Vec<String> = [
        "0",
        "-0",
        "19.99",
        "0.1",
        "1e22",
        "1e23",
        "9007199254740993",
        "5e-324",
        "1e-400",
        "1e400",
        "123456789012345678901234567890",
        "0.30000000000000004",
        "2.2250738585072011e-308",
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = f64::from_bits(x);
        if n.is_finite() {
            texts.push(format!("{n:e}"));
            texts.push(parcours_engine::value::number_to_string(n));
        }
        texts.push(format!("{}.{:02}", x % 100_000, x % 100));
    }
    for t in texts {
        let page = js_sys::Number::parse_float(&t);
        assert_eq!(
            parcours_engine::number::parse(&t).map(f64::to_bits),
            Some(page.to_bits()),
            "{t}"
        );
    }
}

/// The script tag's build prints numbers with ryu's small tables (feature
/// `small`): every one as the page's own `String(n)` prints it.
#[wasm_bindgen_test]
fn numbers_print_as_the_page_prints_them() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut numbers = vec![
        0.0,
        -0.0,
        1.0,
        0.1,
        1e21,
        1e-7,
        123.456,
        5e-324,
        f64::MAX,
        2f64.powi(53) + 2.0,
    ];
    for _ in 0..20_000 {
        // Random bit patterns (every exponent) and random decimals (prices).
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        numbers.push(f64::from_bits(x));
        numbers.push((x % 1_000_000) as f64 / 100.0);
    }
    for n in numbers.into_iter().filter(|n| n.is_finite()) {
        let page = String::from(js_sys::Number::from(n).to_string_with_radix(10).unwrap());
        assert_eq!(parcours_engine::value::number_to_string(n), page, "{n:e}");
    }
}

/// The script tag's build lower-cases non-ASCII text with the page's
/// `toLowerCase` (no Unicode tables in its wasm): `$ini` matches as in JS.
#[wasm_bindgen_test]
fn case_insensitive_conditions_fold_unicode_as_the_page_does() {
    parcours::use_the_pages_text_functions();
    let eval = |attrs: &str, cond: &str| {
        parcours_engine::condition::eval_condition(
            &parcours_engine::json::parse(attrs).unwrap(),
            &parcours_engine::json::parse(cond).unwrap(),
            &Default::default(),
            &parcours::regex::JsRegexCompiler,
        )
    };
    assert!(eval(
        r#"{"city": "ÉCOLE"}"#,
        r#"{"city": {"$ini": ["école"]}}"#
    ));
    assert!(
        eval(
            r#"{"city": "İstanbul"}"#,
            r#"{"city": {"$ini": ["i̇stanbul"]}}"#
        ),
        "U+0130 lower-cases to i + U+0307, as in JS"
    );
    assert!(
        eval(
            r#"{"city": "ΣΊΣΥΦΟΣ"}"#,
            r#"{"city": {"$ini": ["σίσυφος"]}}"#
        ),
        "final sigma, as in JS"
    );
    assert!(!eval(
        r#"{"city": "Köln"}"#,
        r#"{"city": {"$ini": ["koln"]}}"#
    ));
    for s in ["ÀÉÎÕÜ", "ǅ", "ΑΒΓ", "ДЖ", "ẞ", "Ⅻ"] {
        let page = String::from(js_sys::JsString::from(s).to_lower_case());
        let cond = format!(r#"{{"v": {{"$ini": ["{page}"]}}}}"#);
        assert!(eval(&format!(r#"{{"v": "{s}"}}"#), &cond), "{s} -> {page}");
    }
}
