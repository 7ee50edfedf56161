//! The page's own ECMAScript `RegExp` as the engine's regex compiler: exact
//! GrowthBook semantics for `$regex` / `$regexi` for ~2 KB.
//!
//! Each test crosses into JS with a copy of the text, so a compiled pattern
//! remembers its last answer: the many conditions testing one pattern on one
//! visitor's attribute (`page.path`, say) cross once. A pattern without the
//! `g` flag has no state, so the answer for the same text never changes.
//! Equal patterns compiled while the first one lives share it (and its memory).

use parcours_engine::regex::{Regex, RegexCompiler};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The page's `RegExp`.
    #[wasm_bindgen(js_name = RegExp)]
    type JsRegExp;
    /// `new RegExp(pattern, flags)`, with the `SyntaxError` of an invalid pattern caught.
    #[wasm_bindgen(catch, constructor, js_class = "RegExp")]
    fn new(pattern: &str, flags: &str) -> Result<JsRegExp, JsValue>;
    #[wasm_bindgen(method, js_class = "RegExp")]
    fn test(this: &JsRegExp, text: &str) -> bool;
}

/// Compiles patterns with JS `RegExp` (no flags, or `i`), as GrowthBook's JS SDK does.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsRegexCompiler;

/// A page `RegExp` and its last `(text, answer)`.
struct Shared {
    re: JsRegExp,
    last: RefCell<Option<(String, bool)>>,
}

struct JsRegex(Rc<Shared>);

impl Regex for JsRegex {
    fn is_match(&self, text: &str) -> bool {
        let mut last = self.0.last.borrow_mut();
        if let Some((t, answer)) = last.as_ref() {
            if t == text {
                return *answer;
            }
        }
        let answer = self.0.re.test(text);
        match last.as_mut() {
            // Reuses the buffer: no allocation once it is large enough.
            Some((t, a)) => {
                t.clear();
                t.push_str(text);
                *a = answer;
            }
            None => *last = Some((text.to_owned(), answer)),
        }
        answer
    }
}

thread_local! {
    /// Live compiled patterns by (pattern, ignore case).
    static LIVE: RefCell<Vec<(String, bool, Weak<Shared>)>> = const { RefCell::new(Vec::new()) };
}

impl RegexCompiler for JsRegexCompiler {
    fn compile(&self, pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>> {
        LIVE.with_borrow_mut(|live| {
            live.retain(|(_, _, w)| w.strong_count() > 0);
            let found = live
                .iter()
                .find(|(p, i, _)| p == pattern && *i == ignore_case)
                .and_then(|(_, _, w)| w.upgrade());
            let shared = match found {
                Some(s) => s,
                None => {
                    let re = JsRegExp::new(pattern, if ignore_case { "i" } else { "" }).ok()?;
                    let s = Rc::new(Shared {
                        re,
                        last: RefCell::new(None),
                    });
                    live.push((pattern.to_owned(), ignore_case, Rc::downgrade(&s)));
                    s
                }
            };
            Some(Box::new(JsRegex(shared)) as Box<dyn Regex>)
        })
    }
}
