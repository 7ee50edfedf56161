#![cfg(target_arch = "wasm32")]
//! The browser moments in a real browser: scroll depth, exit intent,
//! time on page and inactivity, `slot` rendering, and listeners that come
//! and go with the rules.

use js_sys::{Array, Function, Promise, Reflect, JSON};
use parcours::sdk::with_sdk;
use parcours::transport::RulesResponse;
use parcours::triggers::{scroll_percent, Needs, PageClock, Thresholds};
use parcours_engine::{Engine, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(src: &str) -> JsValue {
    Function::new_no_args(&["return (", src, ");"].concat())
        .call0(&JsValue::NULL)
        .unwrap()
}

async fn sleep(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A rules document with one campaign per `(id, trigger, placement)`.
fn rules(campaigns: &[(&str, &str, &str)]) -> String {
    let list: Vec<String> = campaigns
        .iter()
        .map(|(id, trigger, placement)| {
            [
                r#"{"id":""#,
                id,
                r#"","status":"active","trigger":"#,
                trigger,
                r#","placement":"#,
                placement,
                r#","variants":[{"id":"a","weight":100,"content":{"title":"Hello "#,
                id,
                r#"","body":"<b>not bold</b>","cta":{"label":"Go","url":"/go"}}}]}"#,
            ]
            .concat()
        })
        .collect();
    [r#"{"version":"t","campaigns":["#, &list.join(","), "]}"].concat()
}

fn engine(doc: &str) -> Engine {
    let v = parcours::convert::to_value(&JSON::parse(doc).unwrap());
    Engine::from_rules(&v, &parcours::regex::JsRegexCompiler).unwrap()
}

/// Starts the SDK without network or automatic page views, on `doc`.
fn start_with(doc: &str) {
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    parcours::sdk::uninstall();
    Reflect::set(
        &web_sys::window().unwrap(),
        &"parcours".into(),
        &Array::new(),
    )
    .unwrap();
    parcours::start(js(
        "{ writeKey: 'test', endpoint: '', autoPage: false, fetchRules: false }",
    ));
    load_rules(doc);
}

fn load_rules(doc: &str) {
    let body = parcours_engine::json::parse(doc).unwrap();
    with_sdk(|s| {
        s.on_rules(Ok(RulesResponse {
            status: 200,
            etag: None,
            body,
            text: doc.into(),
        }))
    })
    .unwrap();
}

/// The `Promotion Viewed` promotion ids in the outbox, in order.
fn viewed() -> Vec<String> {
    with_sdk(|s| {
        s.delivery
            .outbox
            .iter()
            .filter_map(|q| {
                let v = JSON::parse(&q.msg.json).unwrap();
                let event = Reflect::get(&v, &"event".into()).unwrap().as_string();
                (event.as_deref() == Some("Promotion Viewed")).then(|| {
                    let p = Reflect::get(&v, &"properties".into()).unwrap();
                    Reflect::get(&p, &"promotion_id".into())
                        .unwrap()
                        .as_string()
                        .unwrap()
                })
            })
            .collect()
    })
    .unwrap()
}

fn close_popin() {
    let host = document()
        .query_selector("[data-parcours-placement=popin],[data-parcours-placement=banner]")
        .unwrap();
    if let Some(h) = host {
        let close = h
            .shadow_root()
            .unwrap()
            .query_selector("button.close")
            .unwrap()
            .unwrap();
        close.unchecked_into::<web_sys::HtmlElement>().click();
    }
}

// ----- pure bookkeeping -----

#[wasm_bindgen_test]
fn scroll_depth_is_the_bottom_of_the_viewport_over_the_document_height() {
    assert_eq!(scroll_percent(0.0, 500.0, 2000.0), 25.0);
    assert_eq!(scroll_percent(500.0, 500.0, 2000.0), 50.0);
    assert_eq!(scroll_percent(1500.0, 500.0, 2000.0), 100.0);
    assert_eq!(
        scroll_percent(9999.0, 500.0, 2000.0),
        100.0,
        "overscroll clamps"
    );
    assert_eq!(
        scroll_percent(0.0, 800.0, 600.0),
        100.0,
        "a short page is seen whole"
    );
    assert_eq!(scroll_percent(0.0, 0.0, 0.0), 100.0);
}

#[wasm_bindgen_test]
fn thresholds_are_crossed_once_each_and_several_at_a_time() {
    let mut t = Thresholds::new(vec![25.0, 50.0, 75.0]);
    assert!(!t.cross(10.0));
    assert!(t.cross(30.0));
    assert!(!t.cross(40.0), "25 already crossed");
    assert!(t.cross(80.0), "50 and 75 at once");
    assert_eq!(t.next(), None);
    assert!(!t.cross(100.0));
    t.reset();
    assert_eq!(t.next(), Some(25.0));
}

#[wasm_bindgen_test]
fn the_page_clock_stops_while_the_page_is_hidden() {
    let mut c = PageClock::new(1_000.0, true);
    assert_eq!(c.elapsed_ms(3_000.0), 2_000.0);
    c.pause(3_000.0);
    assert_eq!(
        c.elapsed_ms(10_000.0),
        2_000.0,
        "hidden time does not count"
    );
    c.resume(10_000.0);
    assert_eq!(c.elapsed_ms(10_500.0), 2_500.0);
    let hidden = PageClock::new(0.0, false);
    assert!(!hidden.running());
    assert_eq!(hidden.elapsed_ms(5_000.0), 0.0);
}

#[wasm_bindgen_test]
fn the_needs_list_only_the_triggers_of_active_campaigns() {
    let doc = rules(&[
        ("a", r#"{"on":"scroll","percent":75}"#, r#""popin""#),
        ("b", r#"{"on":"scroll","percent":25}"#, r#""popin""#),
        ("c", r#"{"on":"time_on_page","seconds":5}"#, r#""popin""#),
        ("d", r#"{"on":"page_view"}"#, r#""popin""#),
    ]);
    let n = Needs::of(engine(&doc).rules());
    assert_eq!(n.scroll, [25.0, 75.0]);
    assert_eq!(n.time_on_page, [5.0]);
    assert!(n.inactivity.is_empty() && !n.exit_intent);
    let paused = doc.replace(r#""status":"active""#, r#""status":"paused""#);
    assert!(Needs::of(engine(&paused).rules()).is_empty());
}

// ----- the SDK on real events and timers -----

#[wasm_bindgen_test]
async fn exit_intent_fires_once_per_page_and_only_through_the_top() {
    start_with(&rules(&[("exit", r#"{"on":"exit_intent"}"#, r#""popin""#)]));
    assert!(with_sdk(|s| s.watched().exit_intent).unwrap());
    js("document.dispatchEvent(new MouseEvent('mouseout', { clientY: 200, bubbles: true }))");
    js("document.dispatchEvent(new MouseEvent('mouseout', { clientY: -2, relatedTarget: document.body, bubbles: true }))");
    sleep(50).await; // overlays show under the cross-tab show lock
    assert!(!with_sdk(|s| s.popin_open()).unwrap(), "not an exit");
    js("document.dispatchEvent(new MouseEvent('mouseout', { clientY: -2, bubbles: true }))");
    sleep(50).await;
    assert!(with_sdk(|s| s.popin_open()).unwrap(), "the exit shows it");
    close_popin();
    assert!(!with_sdk(|s| s.popin_open()).unwrap());
    js("document.dispatchEvent(new MouseEvent('mouseout', { clientY: 0, bubbles: true }))");
    sleep(50).await;
    assert!(!with_sdk(|s| s.popin_open()).unwrap(), "once per page");
    assert_eq!(viewed(), ["exit"]);
    parcours::sdk::uninstall();
}

#[wasm_bindgen_test]
async fn inactivity_and_time_on_page_fire_after_their_seconds() {
    let slot = document().create_element("div").unwrap();
    slot.set_id("time-slot");
    document().body().unwrap().append_child(&slot).unwrap();
    start_with(&rules(&[
        (
            "idle",
            r#"{"on":"inactivity","seconds":0.2}"#,
            r#""banner""#,
        ),
        (
            "timed",
            r#"{"on":"time_on_page","seconds":0.3}"#,
            r##"{"type":"slot","selector":"#time-slot"}"##,
        ),
    ]));
    assert!(viewed().is_empty(), "nothing at once");
    sleep(100).await;
    assert!(viewed().is_empty(), "nothing before the seconds");
    sleep(400).await;
    let mut v = viewed();
    v.sort();
    assert_eq!(v, ["idle", "timed"], "both after their seconds");
    assert!(with_sdk(|s| s.popin_open()).unwrap(), "the banner");
    assert_eq!(with_sdk(|s| s.slots_shown()).unwrap(), 1);
    parcours::sdk::uninstall();
    assert!(slot.shadow_root().is_none());
    assert_eq!(
        slot.child_element_count(),
        0,
        "uninstall removes the slot content"
    );
    slot.remove();
}

#[wasm_bindgen_test]
async fn scrolling_past_a_threshold_shows_the_campaign_once() {
    let tall = document().create_element("div").unwrap();
    tall.set_attribute("style", "height:5000px").unwrap();
    document().body().unwrap().append_child(&tall).unwrap();
    let w = web_sys::window().unwrap();
    w.scroll_to_with_x_and_y(0.0, 0.0);
    start_with(&rules(&[(
        "deep",
        r#"{"on":"scroll","percent":60}"#,
        r#"{"type":"banner","position":"top"}"#,
    )]));
    w.scroll_to_with_x_and_y(0.0, 200.0);
    sleep(250).await;
    assert!(viewed().is_empty(), "not deep enough");
    w.scroll_to_with_x_and_y(0.0, 4800.0);
    sleep(250).await;
    assert_eq!(viewed(), ["deep"]);
    close_popin();
    w.scroll_to_with_x_and_y(0.0, 0.0);
    sleep(150).await;
    w.scroll_to_with_x_and_y(0.0, 4900.0);
    sleep(250).await;
    assert_eq!(viewed(), ["deep"], "a threshold is crossed once per page");
    parcours::sdk::uninstall();
    tall.remove();
    w.scroll_to_with_x_and_y(0.0, 0.0);
}

#[wasm_bindgen_test]
fn listeners_are_removed_when_the_rules_no_longer_need_them() {
    js("(() => { const c = window.__counts = {}; const p = EventTarget.prototype;
        const add = p.addEventListener, rm = p.removeEventListener;
        window.__restore = () => { p.addEventListener = add; p.removeEventListener = rm; };
        p.addEventListener = function (t, ...a) { c['+' + t] = (c['+' + t] || 0) + 1; return add.call(this, t, ...a); };
        p.removeEventListener = function (t, ...a) { c['-' + t] = (c['-' + t] || 0) + 1; return rm.call(this, t, ...a); };
    })()");
    let count = |k: &str| {
        js(&["window.__counts['", k, "'] || 0"].concat())
            .as_f64()
            .unwrap()
    };
    start_with(&rules(&[(
        "deep",
        r#"{"on":"scroll","percent":50}"#,
        r#""popin""#,
    )]));
    assert_eq!(count("+scroll"), 1.0, "one scroll listener");
    assert_eq!(count("+mouseout"), 0.0, "no exit-intent listener");
    load_rules(&rules(&[(
        "deep",
        r#"{"on":"scroll","percent":50}"#,
        r#""popin""#,
    )]));
    assert_eq!(count("+scroll"), 1.0, "the same needs keep the watch");
    load_rules(&rules(&[("pv", r#"{"on":"page_view"}"#, r#""popin""#)]));
    assert_eq!(count("-scroll"), 1.0, "removed with the campaign");
    assert!(with_sdk(|s| s.watched().is_empty()).unwrap());
    load_rules(&rules(&[(
        "idle",
        r#"{"on":"inactivity","seconds":30}"#,
        r#""popin""#,
    )]));
    assert_eq!(count("+pointermove"), 1.0);
    parcours::sdk::uninstall();
    assert_eq!(count("-pointermove"), 1.0, "uninstall removes them");
    assert_eq!(count("-keydown"), count("+keydown"));
    js("window.__restore()");
}

// ----- slots -----

#[wasm_bindgen_test]
fn a_slot_renders_inline_as_text_into_its_selector_and_a_miss_shows_nothing() {
    let target = document().create_element("div").unwrap();
    target.set_id("parcours-test-slot");
    document().body().unwrap().append_child(&target).unwrap();
    start_with(&rules(&[
        (
            "inline",
            r#"{"on":"page_view"}"#,
            r##"{"type":"slot","selector":"#parcours-test-slot"}"##,
        ),
        (
            "missing",
            r#"{"on":"page_view"}"#,
            r##"{"type":"slot","selector":"#no-such-element"}"##,
        ),
    ]));
    with_sdk(|s| s.track_page("", Value::object())).unwrap();
    let host = target
        .query_selector("[data-parcours-campaign=inline]")
        .unwrap()
        .expect("the host is appended inside the selected element");
    assert_eq!(
        host.get_attribute("data-parcours-placement").as_deref(),
        Some("slot")
    );
    let root = host.shadow_root().expect("a shadow root");
    assert!(
        root.query_selector("b").unwrap().is_none(),
        "text, not HTML"
    );
    assert_eq!(
        root.query_selector("p")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("<b>not bold</b>")
    );
    assert!(
        root.query_selector("[aria-modal]").unwrap().is_none(),
        "not modal"
    );
    assert!(!with_sdk(|s| s.popin_open()).unwrap());
    assert_eq!(
        viewed(),
        ["inline"],
        "nothing recorded for the missing slot"
    );
    assert!(document()
        .query_selector("[data-parcours-campaign=missing]")
        .unwrap()
        .is_none());

    let clicked = js("[]");
    let on = Function::new_with_args("e", "this.push(e.campaign_id)").bind0(&clicked);
    with_sdk(|s| s.host.on("clicked".into(), on)).unwrap();
    let cta = root.query_selector("a.cta").unwrap().unwrap();
    // Keep the test page where it is.
    js("(el) => el.addEventListener('click', (e) => e.preventDefault())")
        .unchecked_ref::<Function>()
        .call1(&JsValue::NULL, &cta)
        .unwrap();
    cta.unchecked_ref::<web_sys::HtmlElement>().click();
    assert_eq!(Array::from(&clicked).to_vec(), [JsValue::from("inline")]);
    let outbox = with_sdk(|s| {
        s.delivery
            .outbox
            .iter()
            .map(|q| q.msg.json.clone())
            .collect::<Vec<_>>()
    })
    .unwrap();
    assert!(outbox.iter().any(|m| m.contains("Promotion Clicked")));

    with_sdk(|s| s.track_page("", Value::object())).unwrap();
    assert_eq!(
        target.child_element_count(),
        1,
        "a slot already filled is not filled twice"
    );
    parcours::sdk::uninstall();
    assert_eq!(target.child_element_count(), 0);
    target.remove();
}

#[wasm_bindgen_test]
fn an_invalid_slot_selector_is_reported_not_thrown() {
    start_with(&rules(&[(
        "bad",
        r#"{"on":"page_view"}"#,
        r###"{"type":"slot","selector":"##"}"###,
    )]));
    let errors = js("[]");
    let on = Function::new_with_args("e", "this.push(e.message)").bind0(&errors);
    with_sdk(|s| s.host.on("error".into(), on)).unwrap();
    with_sdk(|s| s.track_page("", Value::object())).unwrap();
    assert_eq!(Array::from(&errors).length(), 1);
    assert!(viewed().is_empty());
    parcours::sdk::uninstall();
}
