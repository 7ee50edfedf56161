//! Storage form of computed-trait state: compact, and read back leniently
//! (anything unreadable becomes an empty fold; a wrong shape makes the state
//! stale, so it is rebuilt from the history).

use std::collections::VecDeque;

use super::{Acc, ComputedState, Freq, TraitState};
use crate::value::{Map, Value};

/// Writes a deterministic text of `v` (for fingerprints).
pub(crate) fn canonical_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Number(n) => {
            out.push('#');
            out.push_str(&v.to_js_string());
            if *n == 0.0 && n.is_sign_negative() {
                out.push('-');
            }
        }
        Value::String(s) => {
            out.push('"');
            out.push_str(&s.len().to_string());
            out.push(':');
            out.push_str(s);
        }
        Value::Array(a) => {
            out.push('[');
            for x in a {
                canonical_value(x, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (k, x) in m {
                canonical_value(&Value::String(k.clone()), out);
                out.push(':');
                canonical_value(x, out);
                out.push(',');
            }
            out.push('}');
        }
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|n| n.is_finite())
}

fn timed(v: Option<&Value>) -> Option<(f64, Value)> {
    let a = v?.as_array()?;
    Some((num(a.first())?, a.get(1).cloned().unwrap_or_default()))
}

fn acc_to_value(a: &Acc) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    if a.n != 0.0 {
        put("n", a.n.into());
    }
    if a.sum != 0.0 {
        put("sum", a.sum.into());
    }
    if let Some(x) = a.min {
        put("min", x.into());
    }
    if let Some(x) = a.max {
        put("max", x.into());
    }
    if let Some((t, v)) = &a.first {
        put("first", Value::Array(vec![(*t).into(), v.clone()]));
    }
    if let Some((t, v)) = &a.last {
        put("last", Value::Array(vec![(*t).into(), v.clone()]));
    }
    if !a.freq.is_empty() {
        let f = a.freq.iter().map(|(k, f)| {
            let row = Value::Array(vec![f.count.into(), f.last_ms.into(), f.value.clone()]);
            (k.clone(), row)
        });
        put("freq", Value::Object(f.collect()));
    }
    Value::Object(m)
}

fn acc_from_value(v: &Value) -> Acc {
    let empty = Map::new();
    let m = v.as_object().unwrap_or(&empty);
    let freq = m.get("freq").and_then(Value::as_object).map(|f| {
        f.iter()
            .filter_map(|(k, row)| {
                let r = row.as_array()?;
                let count = num(r.first()).filter(|c| *c > 0.0)?;
                let last_ms = num(r.get(1))?;
                let value = r.get(2).cloned().unwrap_or_default();
                Some((
                    k.clone(),
                    Freq {
                        count,
                        last_ms,
                        value,
                    },
                ))
            })
            .collect()
    });
    Acc {
        n: num(m.get("n")).unwrap_or(0.0),
        sum: num(m.get("sum")).unwrap_or(0.0),
        min: num(m.get("min")),
        max: num(m.get("max")),
        first: timed(m.get("first")),
        last: timed(m.get("last")),
        freq: freq.unwrap_or_default(),
    }
}

impl TraitState {
    /// As a plain value: `{"r": fold}` or `{"w": [[day, fold], …]}`.
    pub fn to_value(&self) -> Value {
        match self {
            TraitState::Running(a) => Value::from_pairs([("r", acc_to_value(a))]),
            TraitState::Windowed(b, _) => {
                let rows = b
                    .iter()
                    .map(|(d, a)| Value::Array(vec![(*d as f64).into(), acc_to_value(a)]));
                Value::from_pairs([("w", Value::Array(rows.collect()))])
            }
        }
    }

    /// Reads [`TraitState::to_value`] back; `None` when the shape is wrong.
    pub fn from_value(v: &Value) -> Option<TraitState> {
        if let Some(a) = v.get("r") {
            return Some(TraitState::Running(acc_from_value(a)));
        }
        let rows = v.get("w")?.as_array()?;
        let mut buckets: VecDeque<(i64, Acc)> = VecDeque::with_capacity(rows.len());
        for row in rows {
            let r = row.as_array()?;
            let day = num(r.first()).filter(|d| d.abs() < 1e9)? as i64;
            if buckets.back().is_some_and(|(d, _)| *d >= day) {
                return None; // buckets must be strictly ascending
            }
            buckets.push_back((day, acc_from_value(r.get(1)?)));
        }
        let mut total = crate::map::StrMap::new();
        for (_, acc) in &buckets {
            for (k, f) in &acc.freq {
                super::put_freq(&mut total, k.clone(), f.count, f.last_ms, &f.value);
            }
        }
        Some(TraitState::Windowed(buckets, total))
    }
}

impl ComputedState {
    /// As a plain value: `{"fp": fingerprint, "s": [state, …]}`.
    pub fn to_value(&self) -> Value {
        Value::from_pairs([
            ("fp", self.fingerprint.as_str().into()),
            (
                "s",
                Value::Array(self.states.iter().map(TraitState::to_value).collect()),
            ),
        ])
    }

    /// Reads [`ComputedState::to_value`] back; any unreadable state empties
    /// the fingerprint, so the whole state is rebuilt from the history.
    pub fn from_value(v: &Value) -> ComputedState {
        let states: Option<Vec<TraitState>> = v
            .get("s")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().map(TraitState::from_value).collect());
        match (v.get("fp").and_then(Value::as_str), states) {
            (Some(fp), Some(states)) => ComputedState {
                fingerprint: fp.into(),
                states,
            },
            _ => ComputedState::default(),
        }
    }
}
