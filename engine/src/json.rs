//! JSON text to [`Value`], in one pass over the bytes.
//!
//! The browser SDK used to parse stored and fetched JSON with the page's
//! `JSON.parse` and then walk the JS object into a `Value`, crossing into JS
//! for every key and value: that walk was most of the cost of reading the
//! cached rules at start. Parsing the text here costs no crossing at all.
//!
//! The grammar is RFC 8259's, as `JSON.parse` accepts it: a duplicate key
//! keeps its last value, a lone `\uD800`-style surrogate becomes U+FFFD
//! (Rust strings cannot hold it), and nesting deeper than [`MAX_DEPTH`] is
//! refused rather than recursed into.
//!
//! ```
//! use parcours_engine::{json, Value};
//! let v = json::parse(r#"{"a": [1, "x\u00e9", null]}"#).unwrap();
//! assert_eq!(v.get_dotted("a").as_array().unwrap()[1], Value::String("xé".into()));
//! assert_eq!(json::parse("[1,]").unwrap_err().at, 3);
//! ```

use crate::value::{Map, Value};

/// Arrays and objects nested deeper than this are an error.
pub const MAX_DEPTH: usize = 128;

/// Why a text is not JSON, and the byte offset where that was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the text.
    pub at: usize,
    /// What was wrong there.
    pub kind: JsonErrorKind,
}

/// What is wrong at a [`JsonError`]'s offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// The text ends inside a value (or is empty).
    UnexpectedEnd,
    /// A character that cannot start or continue a value here.
    UnexpectedChar,
    /// A number that is not JSON's (`01`, `1.`, `.5`, `+1`, `1e`).
    InvalidNumber,
    /// A backslash escape JSON does not define, or a bad `\u` hex digit.
    InvalidEscape,
    /// A raw control character (below U+0020) inside a string.
    ControlInString,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Something other than white space after the value.
    TrailingCharacters,
}

impl JsonErrorKind {
    /// A short stable name, e.g. `unexpected_end`.
    pub fn name(&self) -> &'static str {
        match self {
            JsonErrorKind::UnexpectedEnd => "unexpected_end",
            JsonErrorKind::UnexpectedChar => "unexpected_char",
            JsonErrorKind::InvalidNumber => "invalid_number",
            JsonErrorKind::InvalidEscape => "invalid_escape",
            JsonErrorKind::ControlInString => "control_in_string",
            JsonErrorKind::TooDeep => "too_deep",
            JsonErrorKind::TrailingCharacters => "trailing_characters",
        }
    }
}

/// Parses `text` as one JSON value (white space around it allowed).
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_streaming(text, &[], &mut |_| {})
}

/// Parses `text` as [`parse`] does, except the array at `path` (object
/// keys from the top): each of its elements goes to `each` as soon as it
/// is read, and the key is left out of the result. A long list (a
/// visitor's history) then never exists as one tree of values. When the
/// value at `path` is not an array, it stays in the result.
///
/// ```
/// use parcours_engine::json;
/// let mut rows = Vec::new();
/// let v = json::parse_streaming(r#"{"p": {"h": [1, 2], "n": 3}}"#, &["p", "h"], &mut |r| rows.push(r)).unwrap();
/// assert_eq!(rows.len(), 2);
/// assert_eq!(v.get_dotted("p.h"), &parcours_engine::Value::Null);
/// ```
pub fn parse_streaming(
    text: &str,
    path: &[&str],
    each: &mut dyn FnMut(Value),
) -> Result<Value, JsonError> {
    let mut p = Parser::new(text, 0, Some(each));
    let v = p.value(0, (!path.is_empty()).then_some(path))?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err(JsonErrorKind::TrailingCharacters));
    }
    Ok(v)
}

/// One value starting at byte `at` of `text` (white space before it
/// allowed): the value, and the offset just after it. For readers that
/// walk a text themselves and decode only parts of it.
pub(crate) fn value_at(text: &str, at: usize) -> Result<(Value, usize), JsonError> {
    let mut p = Parser::new(text, at, None);
    let v = p.value(0, None)?;
    Ok((v, p.i))
}

/// The string literal whose opening quote is at byte `at`: its text with
/// the escapes decoded, and the offset just after its closing quote.
pub(crate) fn string_at(text: &str, at: usize) -> Result<(String, usize), JsonError> {
    let mut p = Parser::new(text, at, None);
    let s = p.string()?;
    Ok((s, p.i))
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    /// Where the elements of the streamed array go.
    each: Option<&'a mut dyn FnMut(Value)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, at: usize, each: Option<&'a mut dyn FnMut(Value)>) -> Parser<'a> {
        Parser {
            s: text.as_bytes(),
            text,
            i: at,
            each,
        }
    }

    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError { at: self.i, kind }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Result<u8, JsonError> {
        self.ws();
        self.s
            .get(self.i)
            .copied()
            .ok_or(self.err(JsonErrorKind::UnexpectedEnd))
    }

    /// A value; `along` is what is left of the streamed path when this
    /// value lies on it.
    fn value(&mut self, depth: usize, along: Option<&[&str]>) -> Result<Value, JsonError> {
        match self.peek()? {
            b'{' => self.object(depth + 1, along),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Value::String),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            _ => Err(self.err(JsonErrorKind::UnexpectedChar)),
        }
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value, JsonError> {
        for &b in w.as_bytes() {
            match self.s.get(self.i) {
                Some(&c) if c == b => self.i += 1,
                Some(_) => return Err(self.err(JsonErrorKind::UnexpectedChar)),
                None => return Err(self.err(JsonErrorKind::UnexpectedEnd)),
            }
        }
        Ok(v)
    }

    /// After `[` or `{` is peeked: the opening byte consumed, the depth checked.
    fn open(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(JsonErrorKind::TooDeep));
        }
        self.i += 1;
        Ok(())
    }

    /// After an element: `true` when `close` ended the list, `false` after a comma.
    fn next_or_close(&mut self, close: u8) -> Result<bool, JsonError> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Ok(false)
            }
            c if c == close => {
                self.i += 1;
                Ok(true)
            }
            _ => Err(self.err(JsonErrorKind::UnexpectedChar)),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        let mut items = Vec::new();
        self.elements(depth, &mut |v| items.push(v))?;
        Ok(Value::Array(items))
    }

    /// The streamed array's elements, to `each`.
    fn stream(&mut self, depth: usize) -> Result<(), JsonError> {
        let mut each = self.each.take();
        let r = self.elements(depth, &mut |v| {
            if let Some(each) = each.as_mut() {
                each(v);
            }
        });
        self.each = each;
        r
    }

    /// An array's elements, from its `[`, each to `f` as it is read.
    fn elements(&mut self, depth: usize, f: &mut dyn FnMut(Value)) -> Result<(), JsonError> {
        self.open(depth)?;
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(());
        }
        loop {
            f(self.value(depth, None)?);
            if self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    fn object(&mut self, depth: usize, along: Option<&[&str]>) -> Result<Value, JsonError> {
        self.open(depth)?;
        let mut map = Map::new();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Value::Object(map));
        }
        loop {
            if self.peek()? != b'"' {
                return Err(self.err(JsonErrorKind::UnexpectedChar));
            }
            let key = self.string()?;
            if self.peek()? != b':' {
                return Err(self.err(JsonErrorKind::UnexpectedChar));
            }
            self.i += 1;
            let rest = match along {
                Some([first, rest @ ..]) if *first == key => Some(rest),
                _ => None,
            };
            if rest.is_some_and(<[&str]>::is_empty) && self.peek()? == b'[' {
                self.stream(depth + 1)?;
            } else {
                let v = self.value(depth, rest.filter(|r| !r.is_empty()))?;
                // Keys written in order (ours are) append; the last duplicate wins.
                map.insert(key, v);
            }
            if self.next_or_close(b'}')? {
                return Ok(Value::Object(map));
            }
        }
    }

    /// A string literal, from its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.err(JsonErrorKind::UnexpectedEnd));
            };
            match b {
                b'"' => {
                    out.push_str(&self.text[start..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[start..self.i]);
                    self.escape(&mut out)?;
                    start = self.i;
                }
                0..=0x1f => return Err(self.err(JsonErrorKind::ControlInString)),
                // Multi-byte UTF-8 sequences hold no quote or backslash byte.
                _ => self.i += 1,
            }
        }
    }

    /// One escape, from its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        self.i += 1;
        let Some(&b) = self.s.get(self.i) else {
            return Err(self.err(JsonErrorKind::UnexpectedEnd));
        };
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.i += 1;
                let hi = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                    let back = self.i;
                    self.i += 2;
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        // Not a pair: this one alone, the next read on its own.
                        self.i = back;
                        None
                    }
                } else {
                    char::from_u32(hi)
                };
                out.push(c.unwrap_or('\u{FFFD}'));
                return Ok(());
            }
            _ => return Err(self.err(JsonErrorKind::InvalidEscape)),
        };
        out.push(c);
        self.i += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut n = 0;
        for _ in 0..4 {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.err(JsonErrorKind::UnexpectedEnd));
            };
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.err(JsonErrorKind::InvalidEscape)),
            };
            n = n * 16 + u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.err(JsonErrorKind::InvalidNumber)),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            self.required_digits()?;
        }
        // JSON's grammar checked here; the value, exact, from `number`.
        crate::number::parse(&self.text[start..self.i])
            .map(Value::Number)
            .ok_or(JsonError {
                at: start,
                kind: JsonErrorKind::InvalidNumber,
            })
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), JsonError> {
        if !matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
            return Err(self.err(JsonErrorKind::InvalidNumber));
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, &'static str) {
        let e = parse(text).unwrap_err();
        (e.at, e.kind.name())
    }

    #[test]
    fn reads_every_kind_of_value() {
        let v = parse(r#" {"n": -12.5e1, "i": 42, "z": -0, "t": true, "f": false, "u": null, "s": "a\"b\\c\/d\n\u0041", "a": [], "o": {}} "#).unwrap();
        assert_eq!(v.get("n"), Some(&Value::Number(-125.0)));
        assert_eq!(v.get("i"), Some(&Value::Number(42.0)));
        let z = v.get("z").and_then(Value::as_f64).unwrap();
        assert!(
            z == 0.0 && z.is_sign_negative(),
            "-0 keeps its sign, as JSON.parse"
        );
        assert_eq!(v.get("t"), Some(&Value::Bool(true)));
        assert_eq!(v.get("f"), Some(&Value::Bool(false)));
        assert_eq!(v.get("u"), Some(&Value::Null));
        assert_eq!(v.get("s"), Some(&Value::String("a\"b\\c/d\nA".into())));
        assert_eq!(v.get("a"), Some(&Value::Array(vec![])));
        assert_eq!(v.get("o"), Some(&Value::object()));
    }

    #[test]
    fn surrogates_pair_up_or_become_replacement_characters() {
        assert_eq!(
            parse(r#""\ud83d\ude00""#).unwrap(),
            Value::String("😀".into())
        );
        assert_eq!(
            parse(r#""\ud83dx""#).unwrap(),
            Value::String("\u{FFFD}x".into())
        );
        assert_eq!(
            parse(r#""\ude00""#).unwrap(),
            Value::String("\u{FFFD}".into())
        );
        assert_eq!(
            parse(r#""\ud83d\u0041""#).unwrap(),
            Value::String("\u{FFFD}A".into())
        );
        assert_eq!(parse("\"é😀\"").unwrap(), Value::String("é😀".into()));
    }

    #[test]
    fn the_last_duplicate_key_wins() {
        let v = parse(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(v.get("b"), Some(&Value::Number(3.0)));
        assert_eq!(v.as_object().unwrap().len(), 2);
    }

    #[test]
    fn errors_say_where_and_what() {
        assert_eq!(err(""), (0, "unexpected_end"));
        assert_eq!(err("[1, 2"), (5, "unexpected_end"));
        assert_eq!(err("[1 2]"), (3, "unexpected_char"));
        assert_eq!(err("{\"a\" 1}"), (5, "unexpected_char"));
        assert_eq!(err("{a: 1}"), (1, "unexpected_char"));
        assert_eq!(err("{\"a\": 1,}"), (8, "unexpected_char"));
        assert_eq!(err("01"), (1, "trailing_characters"));
        assert_eq!(err("1."), (2, "invalid_number"));
        assert_eq!(err("-"), (1, "invalid_number"));
        assert_eq!(err("+1"), (0, "unexpected_char"));
        assert_eq!(err("1e+"), (3, "invalid_number"));
        assert_eq!(err(r#""\x""#), (2, "invalid_escape"));
        assert_eq!(err(r#""\u12g4""#), (5, "invalid_escape"));
        assert_eq!(err("\"a\tb\""), (2, "control_in_string"));
        assert_eq!(err("\"abc"), (4, "unexpected_end"));
        assert_eq!(err("tru"), (3, "unexpected_end"));
        assert_eq!(err("nul1"), (3, "unexpected_char"));
        assert_eq!(err("[] x"), (3, "trailing_characters"));
        assert_eq!(err(&"[".repeat(MAX_DEPTH + 1)), (MAX_DEPTH, "too_deep"));
        assert!(parse(&format!(
            "{}{}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        ))
        .is_ok());
    }

    #[test]
    fn a_streamed_array_goes_element_by_element_and_stays_out_of_the_result() {
        let text = r#"{"v": {"p": {"h": [[1], {"a": 2}, "x"], "n": 1}, "h": [9]}, "h": [8]}"#;
        let mut rows = Vec::new();
        let v = parse_streaming(text, &["v", "p", "h"], &mut |r| rows.push(r)).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2], Value::String("x".into()));
        assert_eq!(v.get_dotted("v.p.h"), &Value::Null);
        assert_eq!(v.get_dotted("v.p.n"), &Value::Number(1.0));
        // Only that path: the same key elsewhere is kept.
        assert_eq!(v.get_dotted("v.h"), &Value::Array(vec![Value::Number(9.0)]));
        assert_eq!(v.get_dotted("h"), &Value::Array(vec![Value::Number(8.0)]));
        // Not an array there: kept as it is.
        let v = parse_streaming(r#"{"h": {"a": 1}}"#, &["h"], &mut |_| panic!()).unwrap();
        assert_eq!(v.get_dotted("h.a"), &Value::Number(1.0));
        // Errors inside it are errors of the whole text.
        assert!(parse_streaming(r#"{"h": [1, }"#, &["h"], &mut |_| {}).is_err());
    }

    #[test]
    fn numbers_read_as_javascript_reads_them() {
        for (text, n) in [
            ("0", 0.0),
            ("123456789012345", 123456789012345.0),
            ("12345678901234567890", 12345678901234567890.0),
            ("0.1", 0.1),
            ("1e400", f64::INFINITY),
            ("-1E-2", -0.01),
            ("9007199254740993", 9007199254740992.0),
        ] {
            assert_eq!(parse(text).unwrap(), Value::Number(n), "{text}");
        }
    }
}
