//! The page's own ECMAScript `RegExp` as the engine's regex compiler: exact
//! GrowthBook semantics for `$regex` / `$regexi` for ~2 KB.

use parcours_engine::regex::{Regex, RegexCompiler};
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

struct JsRegex(JsRegExp);

impl Regex for JsRegex {
    fn is_match(&self, text: &str) -> bool {
        self.0.test(text)
    }
}

impl RegexCompiler for JsRegexCompiler {
    fn compile(&self, pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>> {
        JsRegExp::new(pattern, if ignore_case { "i" } else { "" })
            .ok()
            .map(|r| Box::new(JsRegex(r)) as Box<dyn Regex>)
    }
}
