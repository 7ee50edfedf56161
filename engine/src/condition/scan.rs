//! Reading slot values out of a context's JSON text.
//!
//! The paths of a [`SlotPlan`](super::SlotPlan) form a trie of object keys.
//! The scanner walks the text's objects along it: a key off the trie is
//! skipped (without recursion, however deep), a path's end, or a non-object
//! met half-way (an array, for `tags.0`), is decoded into a [`Value`] and the
//! rest of each path below it looked up in that value, as `getPath` would.

use std::borrow::Cow;

use super::path::AttrPath;
use crate::value::Value;

/// One node of the trie: an object key on some path.
#[derive(Debug, Default)]
struct Node {
    key: String,
    children: Vec<u32>,
    /// Slots whose path ends here.
    ends: Vec<u32>,
    /// Slots whose path goes on below, with their path and the next step.
    below: Vec<(u32, AttrPath, usize)>,
}

/// The trie of a plan's paths; node 0 is the context itself.
#[derive(Debug)]
pub(crate) struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    /// The trie of `(slot, path)` pairs.
    pub(crate) fn new<'a>(paths: impl Iterator<Item = (u32, &'a AttrPath)>) -> Trie {
        let mut nodes = vec![Node::default()];
        for (slot, path) in paths {
            let mut at = 0usize;
            for (depth, key) in path.keys().enumerate() {
                if depth > 0 {
                    nodes[at].below.push((slot, path.clone(), depth));
                }
                at = match nodes[at]
                    .children
                    .iter()
                    .find(|&&c| nodes[c as usize].key == key)
                {
                    Some(&c) => c as usize,
                    None => {
                        nodes.push(Node {
                            key: key.to_owned(),
                            ..Node::default()
                        });
                        let c = nodes.len() - 1;
                        nodes[at].children.push(c as u32);
                        c
                    }
                };
            }
            nodes[at].ends.push(slot);
        }
        Trie { nodes }
    }

    fn child(&self, node: usize, key: &str) -> Option<usize> {
        self.nodes[node]
            .children
            .iter()
            .map(|&c| c as usize)
            .find(|&c| self.nodes[c].key == key)
    }
}

/// A cursor on JSON text; every method gives `None` on malformed text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    trie: &'a Trie,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str, trie: &'a Trie) -> Scanner<'a> {
        Scanner {
            text,
            b: text.as_bytes(),
            i: 0,
            trie,
        }
    }

    /// Fills the slots of `values` that the text has; a text that is not an
    /// object leaves them all `null`.
    pub(crate) fn read(&mut self, values: &mut [Value]) -> Option<()> {
        self.ws();
        if self.peek() == Some(b'{') {
            self.object_on_trie(0, values)?;
        } else {
            self.skip_value()?;
        }
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// An object whose keys are looked up under trie node `node`.
    fn object_on_trie(&mut self, node: usize, values: &mut [Value]) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            self.ws();
            match self.trie.child(node, &key) {
                Some(c) => self.on_trie(c, values)?,
                None => self.skip_value()?,
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The value at trie node `node`: walked when it is an object that only
    /// leads to paths, decoded otherwise.
    fn on_trie(&mut self, node: usize, values: &mut [Value]) -> Option<()> {
        let n = &self.trie.nodes[node];
        if n.ends.is_empty() && self.peek() == Some(b'{') {
            return self.object_on_trie(node, values);
        }
        let v = self.value()?;
        for &slot in &n.ends {
            values[slot as usize] = v.clone();
        }
        for (slot, path, next) in &n.below {
            values[*slot as usize] = path.lookup_from(&v, *next).into_owned();
        }
        Some(())
    }

    /// Skips one value, however deeply nested, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.skip_string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                b',' | b':' if depth > 0 => self.i += 1,
                b' ' | b'\n' | b'\r' | b'\t' => self.i += 1,
                _ => self.skip_scalar()?,
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    fn skip_string(&mut self) -> Option<()> {
        self.i += 1;
        loop {
            let k = self
                .b
                .get(self.i..)?
                .iter()
                .position(|&c| c == b'"' || c == b'\\')?;
            self.i += k;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Some(());
            }
            self.i += 2;
        }
    }

    /// Skips a literal (`true`, `false`, `null`) or a number.
    fn skip_scalar(&mut self) -> Option<()> {
        for word in ["true", "false", "null"] {
            if self.b[self.i..].starts_with(word.as_bytes()) {
                self.i += word.len();
                return Some(());
            }
        }
        let start = self.i;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.i += 1;
        }
        (self.i > start).then_some(())
    }

    /// Decodes one value ([`crate::json`]'s parser, from here).
    fn value(&mut self) -> Option<Value> {
        let (v, end) = crate::json::value_at(self.text, self.i).ok()?;
        self.i = end;
        Some(v)
    }

    /// A string, borrowed from the text when it has no escapes. Lone
    /// surrogates (`JSON.stringify` writes them as `\udXXX`) become U+FFFD.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        let k = self.b[start..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\')?;
        self.i += k;
        if self.b[self.i] == b'"' {
            self.i += 1;
            return Some(Cow::Borrowed(&self.text[start..self.i - 1]));
        }
        let (decoded, end) = crate::json::string_at(self.text, start - 1).ok()?;
        self.i = end;
        Some(Cow::Owned(decoded))
    }
}
