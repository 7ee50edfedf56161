#![cfg(target_arch = "wasm32")]
//! Which navigations `RouteWatch` reports as page views, in a real browser:
//! history changes, hash routes, anchors and back-forward cache restores.

use js_sys::{Function, Promise};
use parcours::page::{Navigation, RouteWatch};
use std::cell::RefCell;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static SEEN: RefCell<Vec<Navigation>> = const { RefCell::new(Vec::new()) };
}

fn record(n: Navigation) {
    SEEN.with(|s| s.borrow_mut().push(n));
}

fn seen() -> Vec<Navigation> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn run(src: &str) {
    Function::new_no_args(src).call0(&JsValue::NULL).unwrap();
}

/// Lets queued events (`hashchange`, `popstate` after `back()`) fire.
async fn settle() {
    let p = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Watches from a clean URL (the runner's page without query or fragment)
/// and returns the handle and that URL, to go back to afterwards.
fn watch() -> (RouteWatch, String) {
    let loc = web_sys::window().unwrap().location();
    let start = loc.pathname().unwrap();
    run(&["history.replaceState(null, '', '", &start, "')"].concat());
    seen();
    (RouteWatch::new(record).unwrap(), start)
}

fn back_to(start: &str) {
    run(&["history.replaceState(null, '', '", start, "')"].concat());
}

#[wasm_bindgen_test]
fn push_state_to_a_new_url_is_a_page_view_and_replace_state_to_the_same_url_is_not() {
    let (w, start) = watch();
    run("history.pushState({ step: 1 }, '', '?step=1')");
    assert_eq!(seen(), [Navigation::Route], "pushState to a new URL");
    run("history.replaceState({ step: 1, scroll: 300 }, '')");
    run("history.replaceState({ step: 1 }, '', location.href)");
    run("history.pushState({ step: 1 }, '', '?step=1')");
    assert_eq!(seen(), [], "the same URL again, whatever the method");
    run("history.replaceState(null, '', '?step=2')");
    assert_eq!(seen(), [Navigation::Route], "replaceState to another URL");
    run("history.pushState(null, '', '?step=2#details')");
    assert_eq!(seen(), [], "an anchor on the same page");
    drop(w);
    back_to(&start);
}

#[wasm_bindgen_test]
async fn hash_routes_are_page_views_once_and_anchors_are_not() {
    let (w, start) = watch();
    run("location.hash = '#reviews'");
    settle().await;
    assert_eq!(seen(), [], "an in-page anchor");
    run("location.hash = '#/cart'");
    settle().await;
    assert_eq!(
        seen(),
        [Navigation::Route],
        "a hash route: one page view for its popstate and hashchange"
    );
    run("location.hash = '#!/cart'");
    settle().await;
    assert_eq!(seen(), [], "the same route spelled with #!");
    run("location.hash = '#!/checkout'");
    settle().await;
    assert_eq!(seen(), [Navigation::Route], "a #! route");
    drop(w);
    back_to(&start);
}

#[wasm_bindgen_test]
async fn going_back_is_a_page_view() {
    let (w, start) = watch();
    run("history.pushState(null, '', '?list=1')");
    run("history.pushState(null, '', '?list=2')");
    assert_eq!(seen(), [Navigation::Route, Navigation::Route]);
    run("history.back()");
    settle().await;
    assert_eq!(
        seen(),
        [Navigation::Route],
        "popstate to the previous route"
    );
    drop(w);
    back_to(&start);
}

#[wasm_bindgen_test]
fn a_page_restored_from_the_back_forward_cache_is_a_page_view() {
    let (w, start) = watch();
    run("dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }))");
    assert_eq!(
        seen(),
        [],
        "a first load is not reported (the SDK tracks it)"
    );
    run("dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    assert_eq!(seen(), [Navigation::Restored]);
    drop(w);
    back_to(&start);
}

#[wasm_bindgen_test]
fn dropping_the_watch_restores_history_and_stops_reporting() {
    let original = js_sys::Reflect::get(
        &web_sys::window().unwrap().history().unwrap(),
        &"pushState".into(),
    )
    .unwrap();
    let (w, start) = watch();
    drop(w);
    let now = js_sys::Reflect::get(
        &web_sys::window().unwrap().history().unwrap(),
        &"pushState".into(),
    )
    .unwrap();
    assert_eq!(now, original);
    run("history.pushState(null, '', '?after=drop')");
    run("dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    assert_eq!(seen(), []);
    back_to(&start);
}
