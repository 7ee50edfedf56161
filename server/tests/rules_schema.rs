//! The rules document's JSON Schema (`server/schema/rules.schema.json`, served
//! at `GET /v1/rules/schema`) kept honest against the engine, which stays the
//! judge of what a valid document is:
//!
//! - every documented example (the ```json blocks of `docs/rules.md` and
//!   `docs/context.md`, each marked with what it is) and every rules file of
//!   the repository passes both, without engine warnings;
//! - every document of `tests/rules-invalid/` is refused by both, each at the
//!   path [`REFUSED_BY_BOTH`] states;
//! - what the schema cannot express ([`ENGINE_ONLY`]) is accepted by the
//!   schema and refused by the engine, so the gap is stated, not hidden.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use parcours_engine::error::RuleError;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::Engine;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The schema file, as the server embeds it.
const SCHEMA: &str = include_str!("../schema/rules.schema.json");

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        jsonschema::draft202012::new(&schema).expect("the schema compiles")
    })
}

/// The schema's errors: each instance location (a JSON pointer) and message.
fn schema_errors(doc: &Value) -> Vec<(String, String)> {
    validator()
        .iter_errors(doc)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect()
}

/// The engine's verdict: its warnings, or its errors.
fn engine(doc: &Value) -> Result<Vec<RuleError>, Vec<RuleError>> {
    let doc: parcours_engine::Value =
        serde_json::from_value(doc.clone()).expect("JSON converts to the engine's Value");
    Engine::from_rules(&doc, &EcmaRegex).map(|e| e.warnings().to_vec())
}

/// Both accept `doc`, and the engine has no warning about it.
fn assert_valid(doc: &Value, what: &str) {
    let schema = schema_errors(doc);
    assert!(
        schema.is_empty(),
        "{what}: the schema refuses it: {schema:#?}"
    );
    match engine(doc) {
        Ok(warnings) => assert!(
            warnings.is_empty(),
            "{what}: engine warnings: {warnings:#?}"
        ),
        Err(errs) => panic!("{what}: the engine refuses it: {errs:#?}"),
    }
}

// ---------------------------------------------------------------------------
// Documented examples and the repository's rules files
// ---------------------------------------------------------------------------

/// A ```json block of the docs, with the kind its marker gives.
struct Example {
    at: String,
    kind: String,
    text: String,
}

/// The marker that must stand on the line before every ```json block of the
/// docs: `<!-- schema-example: KIND -->`.
const MARKER: &str = "<!-- schema-example: ";

/// Every ```json block of `md`, each with its marker's kind. A block without
/// a marker fails the test, so no example is skipped by accident.
fn examples(file: &str, md: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lines = md.lines().enumerate();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        if line.trim_start().starts_with("```json") {
            let at = format!("{file}:{}", n + 1);
            let kind = previous
                .trim()
                .strip_prefix(MARKER)
                .and_then(|k| k.strip_suffix(" -->"))
                .unwrap_or_else(|| {
                    panic!("{at}: a ```json block needs a `{MARKER}KIND -->` line above it")
                })
                .to_owned();
            let mut text = String::new();
            for (_, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            out.push(Example { at, kind, text });
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    out
}

/// The smallest campaign around `content`.
fn campaign_with(content: Value) -> Value {
    json!({
        "id": "example", "trigger": { "on": "page_view" }, "placement": "popin",
        "variants": [{ "id": "a", "content": content }]
    })
}

/// The example as a whole rules document, or `None` for a block that is not
/// part of one (`not-rules`: the evaluation context).
fn as_document(e: &Example) -> Option<Value> {
    let parse = |text: &str| -> Value {
        serde_json::from_str(text).unwrap_or_else(|err| panic!("{}: not JSON: {err}", e.at))
    };
    Some(match e.kind.as_str() {
        "document" => parse(&e.text),
        "campaign" => json!({ "campaigns": [parse(&e.text)] }),
        "content" => json!({ "campaigns": [campaign_with(parse(&e.text))] }),
        // `"form": {...}`: one member of a content block.
        "content-member" => {
            json!({ "campaigns": [campaign_with(parse(&["{", &e.text, "}"].concat()))] })
        }
        "not-rules" => {
            parse(&e.text);
            return None;
        }
        other => panic!("{}: unknown example kind `{other}`", e.at),
    })
}

fn documented_examples() -> Vec<Example> {
    let mut all = Vec::new();
    for file in ["docs/rules.md", "docs/context.md"] {
        all.extend(examples(file, &read(&root().join(file))));
    }
    all
}

#[test]
fn every_documented_example_passes_the_schema_and_the_engine() {
    let all = documented_examples();
    let kinds: BTreeSet<&str> = all.iter().map(|e| e.kind.as_str()).collect();
    // The full example, single campaigns, content and the form fragment.
    for kind in [
        "document",
        "campaign",
        "content",
        "content-member",
        "not-rules",
    ] {
        assert!(kinds.contains(kind), "no `{kind}` example found: {kinds:?}");
    }
    let mut checked = 0;
    for e in &all {
        if let Some(doc) = as_document(e) {
            assert_valid(&doc, &e.at);
            checked += 1;
        }
    }
    assert!(checked >= 7, "only {checked} examples checked");
}

#[test]
fn the_repository_rules_files_pass_the_schema_and_the_engine() {
    let mut files = vec![
        root().join("demo/rules.json"),
        root().join("server/tests/fixtures/rules.json"),
    ];
    let fixtures = root().join("tests/e2e/fixtures");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("rules") && name.ends_with(".json") {
            files.push(path);
        }
    }
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let doc: Value = serde_json::from_str(&read(&path)).unwrap();
        assert_valid(&doc, &path.display().to_string());
    }
}

/// Documents at the edges of what the engine accepts: the schema must not be
/// stricter than the engine there (a lint that cries wolf is switched off).
#[test]
fn the_schema_accepts_what_the_engine_accepts_at_the_edges() {
    let popin = |content: Value| json!({ "campaigns": [campaign_with(content)] });
    let docs = [
        // Trait ids are Unicode letters and digits (`char::is_alphanumeric`).
        json!({ "traits": [{ "id": "âge_moyen-2", "aggregate": "avg", "property": "âge" }] }),
        json!({ "history": { "max_age_days": 3650, "max_events": 20000 }, "traits": [
            { "id": "first_order", "event": "Order Completed", "aggregate": "days_until_anniversary", "window_days": 3650 },
            { "id": "ten_years", "aggregate": "count" },
            { "id": "seen", "aggregate": "days_since" },
            { "id": "last_page", "event": "Page Viewed", "aggregate": "last", "property": "path", "where": {} }
        ] }),
        // Dates: a space for `T`, no seconds, fractions, `±HHMM`, `±HH`, spaces around.
        json!({ "campaigns": [merge(campaign_with(json!({})), json!({
            "schedule": { "start": "2026-11-01 10:00", "end": " 2026-11-02T00:00:00,5+0100 " }
        }))] }),
        json!({ "campaigns": [merge(campaign_with(json!({})), json!({
            "schedule": { "start": "2026-11-01T10:00:00-05", "end": null }
        }))] }),
        json!({ "campaigns": [merge(campaign_with(json!({})), json!({ "schedule": null }))] }),
        // Placements and priorities.
        json!({ "campaigns": [
            merge(campaign_with(json!({})), json!({ "id": "a", "placement": { "type": "none" }, "priority": -1 })),
            merge(campaign_with(json!({})), json!({ "id": "b", "placement": "banner", "priority": 0.5 })),
            merge(campaign_with(json!({})), json!({ "id": "c", "placement": { "type": "banner" } })),
            merge(campaign_with(json!({})), json!({ "id": "d", "priority": { "business_value": 0, "customer_interest": 1.5, "feasibility": 2 } }))
        ] }),
        // Triggers with their defaults, zero thresholds, a delay of zero.
        json!({ "campaigns": [
            merge(campaign_with(json!({})), json!({ "id": "a", "trigger": { "on": "scroll" } })),
            merge(campaign_with(json!({})), json!({ "id": "b", "trigger": { "on": "inactivity", "seconds": 0 } })),
            merge(campaign_with(json!({})), json!({ "id": "c", "trigger": { "on": "event", "event": "", "delay_minutes": 0 } }))
        ] }),
        // Weights that sum to 100 as floating point does; a weight of 0.
        json!({ "campaigns": [merge(campaign_with(json!({})), json!({ "variants": [
            { "id": "a", "weight": 33.3 }, { "id": "b", "weight": 33.3 }, { "id": "c", "weight": 33.4 }, { "id": "d", "weight": 0 }
        ] }))] }),
        // Content: subtags, `_`, a three-letter key (not a locale, so one
        // block), a locale key whose value is not an object (one block).
        popin(json!({ "zh-Hant-TW": { "title": "你好" }, "pt_BR": { "title": "Olá" } })),
        popin(json!({ "cta": { "label": "Go", "url": "/" }, "fr": "not a block" })),
        popin(json!({ "title": 3, "image": { "src": "/a.png" } })),
        // A review form of `name` fields, every field option written out.
        popin(json!({ "form": { "fields": [
            { "name": "stars", "label": "Stars", "type": "rating", "required": false, "placeholder": "" },
            { "name": "size", "label": "Size", "type": "choice", "options": [{ "value": "m", "label": "M" }], "max_length": 1 }
        ], "messages": {} } })),
        // Conditions: nested logic, operators, literal objects, paths with dots.
        json!({ "segments": [{ "id": "s", "condition": {
            "$or": [{ "page.query": { "utm_source": "nl" } }, { "$not": { "tags": { "$size": { "$gt": 2 } } } }],
            "$nor": [], "$and": [{ "traits.plan": { "$in": ["pro", "team"], "$exists": true } }],
            "visit.count": { "$gte": 2, "$lt": 10 }, "version": { "$vgte": "1.2.0" }
        } }] }),
        json!({ "saved_groups": { "staff": [], "ids": [1, "u-2", null] }, "lifecycle": {}, "history": {}, "pressure": {} }),
        json!({}),
    ];
    for (i, doc) in docs.iter().enumerate() {
        assert_valid(doc, &["edge document #", &i.to_string()].concat());
    }
}

/// The one place the schema is stricter than the engine, on purpose: the
/// engine reads `null` as an absent optional field; the schema allows `null`
/// only where the docs write it (`schedule`), so an editor flags the others.
#[test]
fn the_schema_refuses_null_for_an_absent_field_which_the_engine_allows() {
    for (field, value) in [("name", json!(null)), ("frequency", json!(null))] {
        let doc =
            json!({ "campaigns": [merge(campaign_with(json!({})), json!({ field: value }))] });
        assert!(engine(&doc).is_ok(), "{field}");
        let errors = schema_errors(&doc);
        assert_eq!(errors.len(), 1, "{field}: {errors:?}");
        assert_eq!(errors[0].0, ["/campaigns/0/", field].concat());
    }
    let form = json!({ "campaigns": [campaign_with(json!({ "form": null }))] });
    assert!(engine(&form).is_ok());
    assert!(!schema_errors(&form).is_empty());
}

/// `base` with `extra`'s fields set over it.
fn merge(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

// ---------------------------------------------------------------------------
// The invalid corpus
// ---------------------------------------------------------------------------

/// Where the schema reports a corpus document's error, next to the engine's path.
#[derive(Debug, Clone, Copy)]
enum At {
    /// The same place (`$.campaigns[0].status` is `/campaigns/0/status`).
    Same,
    /// The object holding it: a missing required field, an unknown field
    /// (JSON Schema reports `required` and `additionalProperties` there).
    Parent,
    /// Elsewhere, at this JSON pointer (the other side of a conflict).
    Pointer(&'static str),
}

/// `tests/rules-invalid/NAME.json` refused by both: (NAME, the engine's only
/// error path, where the schema's errors are). Each document breaks one rule,
/// so each side reports that one place and nothing else.
const REFUSED_BY_BOTH: &[(&str, &str, At)] = &[
    // The top level
    ("top-unknown-field", "$.campaign", At::Parent),
    ("version-wrong-type", "$.version", At::Same),
    ("saved-groups-not-array", "$.saved_groups.staff", At::Same),
    ("campaigns-not-array", "$.campaigns", At::Same),
    (
        "global-holdout-over-100",
        "$.global_holdout_percent",
        At::Same,
    ),
    ("campaign-id-global", "$.campaigns[0].id", At::Same),
    // Computed traits
    ("trait-unknown-aggregate", "$.traits[0].aggregate", At::Same),
    ("trait-missing-property", "$.traits[0].property", At::Parent),
    ("trait-id-with-dot", "$.traits[0].id", At::Same),
    (
        "trait-window-days-fraction",
        "$.traits[0].window_days",
        At::Same,
    ),
    (
        "trait-anniversary-trait-and-event",
        "$.traits[0].event",
        At::Same,
    ),
    (
        "trait-anniversary-trait-with-window",
        "$.traits[0].trait",
        At::Pointer("/traits/0/window_days"),
    ),
    ("trait-trait-on-count", "$.traits[0].trait", At::Same),
    ("trait-unknown-field", "$.traits[0].window", At::Parent),
    // Lifecycle and history
    ("lifecycle-zero-days", "$.lifecycle.at_risk_days", At::Same),
    (
        "lifecycle-unknown-field",
        "$.lifecycle.purchase",
        At::Parent,
    ),
    ("history-too-many-events", "$.history.max_events", At::Same),
    // Segments
    (
        "segment-missing-condition",
        "$.segments[0].condition",
        At::Parent,
    ),
    ("segment-empty-id", "$.segments[0].id", At::Same),
    (
        "segment-condition-not-object",
        "$.segments[0].condition",
        At::Same,
    ),
    (
        "segment-unknown-field",
        "$.segments[0].priority",
        At::Parent,
    ),
    // Pressure
    (
        "pressure-negative-cap",
        "$.pressure.max_per_session",
        At::Same,
    ),
    (
        "pressure-unknown-field",
        "$.pressure.max_per_week",
        At::Parent,
    ),
    // Campaigns
    (
        "campaign-unknown-field",
        "$.campaigns[0].prority",
        At::Parent,
    ),
    ("campaign-id-with-dot", "$.campaigns[0].id", At::Same),
    ("campaign-bad-status", "$.campaigns[0].status", At::Same),
    (
        "campaign-missing-trigger",
        "$.campaigns[0].trigger",
        At::Parent,
    ),
    (
        "campaign-missing-variants",
        "$.campaigns[0].variants",
        At::Parent,
    ),
    (
        "campaign-missing-placement",
        "$.campaigns[0].placement",
        At::Parent,
    ),
    (
        "schedule-not-a-date",
        "$.campaigns[0].schedule.start",
        At::Same,
    ),
    (
        "schedule-unknown-field",
        "$.campaigns[0].schedule.until",
        At::Parent,
    ),
    (
        "audience-unknown-clause",
        "$.campaigns[0].audience.segments.some",
        At::Parent,
    ),
    (
        "audience-segment-not-string",
        "$.campaigns[0].audience.segments.any[0]",
        At::Same,
    ),
    // Triggers
    (
        "trigger-unknown-kind",
        "$.campaigns[0].trigger.on",
        At::Same,
    ),
    (
        "trigger-percent-on-page-view",
        "$.campaigns[0].trigger.percent",
        At::Same,
    ),
    (
        "trigger-event-without-name",
        "$.campaigns[0].trigger.event",
        At::Parent,
    ),
    (
        "trigger-scroll-over-100",
        "$.campaigns[0].trigger.percent",
        At::Same,
    ),
    (
        "trigger-where-on-flag",
        "$.campaigns[0].trigger.where",
        At::Same,
    ),
    (
        "trigger-negative-delay",
        "$.campaigns[0].trigger.delay_minutes",
        At::Same,
    ),
    (
        "trigger-seconds-on-scroll",
        "$.campaigns[0].trigger.seconds",
        At::Same,
    ),
    // Placement and the interstitial rule
    ("placement-unknown", "$.campaigns[0].placement", At::Same),
    (
        "placement-slot-string",
        "$.campaigns[0].placement",
        At::Same,
    ),
    (
        "placement-slot-without-selector",
        "$.campaigns[0].placement.selector",
        At::Parent,
    ),
    (
        "placement-banner-bad-position",
        "$.campaigns[0].placement.position",
        At::Same,
    ),
    (
        "placement-position-on-popin",
        "$.campaigns[0].placement.position",
        At::Same,
    ),
    (
        "placement-empty-selector",
        "$.campaigns[0].placement.selector",
        At::Same,
    ),
    (
        "interstitial-bad-value",
        "$.campaigns[0].interstitial",
        At::Same,
    ),
    // Priority, frequency, holdout, offer, goal
    ("priority-wrong-type", "$.campaigns[0].priority", At::Same),
    (
        "priority-object-missing-part",
        "$.campaigns[0].priority.feasibility",
        At::Parent,
    ),
    (
        "priority-object-negative",
        "$.campaigns[0].priority.customer_interest",
        At::Same,
    ),
    (
        "frequency-bad-stop-after",
        "$.campaigns[0].frequency.stop_after[0]",
        At::Same,
    ),
    (
        "frequency-negative-cap",
        "$.campaigns[0].frequency.max_per_day",
        At::Same,
    ),
    (
        "frequency-unknown-field",
        "$.campaigns[0].frequency.max_per_week",
        At::Parent,
    ),
    (
        "holdout-over-100",
        "$.campaigns[0].holdout_percent",
        At::Same,
    ),
    ("offer-not-object", "$.campaigns[0].offer", At::Same),
    (
        "goal-missing-event",
        "$.campaigns[0].goal.event",
        At::Parent,
    ),
    (
        "goal-unknown-field",
        "$.campaigns[0].goal.within_days",
        At::Parent,
    ),
    // Variants and content
    ("variants-empty", "$.campaigns[0].variants", At::Same),
    (
        "variant-holdout-id",
        "$.campaigns[0].variants[0].id",
        At::Same,
    ),
    (
        "variant-weight-on-one-only",
        "$.campaigns[0].variants[1].weight",
        At::Parent,
    ),
    (
        "variant-negative-weight",
        "$.campaigns[0].variants[0].weight",
        At::Same,
    ),
    (
        "variant-unknown-field",
        "$.campaigns[0].variants[0].contents",
        At::Parent,
    ),
    (
        "content-not-object",
        "$.campaigns[0].variants[0].content",
        At::Same,
    ),
    // Forms
    (
        "form-bad-field-type",
        "$.campaigns[0].variants[0].content.form.fields[0].type",
        At::Same,
    ),
    (
        "form-missing-fields",
        "$.campaigns[0].variants[0].content.form.fields",
        At::Parent,
    ),
    (
        "form-empty-fields",
        "$.campaigns[0].variants[0].content.form.fields",
        At::Same,
    ),
    (
        "form-unknown-field",
        "$.campaigns[0].variants[0].content.form.title",
        At::Parent,
    ),
    (
        "form-field-trait-and-name",
        "$.campaigns[0].variants[0].content.form.fields[0].name",
        At::Same,
    ),
    (
        "form-field-neither-trait-nor-name",
        "$.campaigns[0].variants[0].content.form.fields[0].trait",
        At::Parent,
    ),
    (
        "form-field-trait-with-dot",
        "$.campaigns[0].variants[0].content.form.fields[0].trait",
        At::Same,
    ),
    (
        "form-field-empty-label",
        "$.campaigns[0].variants[0].content.form.fields[0].label",
        At::Same,
    ),
    (
        "form-field-missing-type",
        "$.campaigns[0].variants[0].content.form.fields[0].type",
        At::Parent,
    ),
    (
        "form-field-unknown-field",
        "$.campaigns[0].variants[0].content.form.fields[0].hint",
        At::Parent,
    ),
    (
        "form-choice-without-options",
        "$.campaigns[0].variants[0].content.form.fields[0].options",
        At::Parent,
    ),
    (
        "form-options-on-text",
        "$.campaigns[0].variants[0].content.form.fields[0].options",
        At::Same,
    ),
    (
        "form-option-without-label",
        "$.campaigns[0].variants[0].content.form.fields[0].options[0].label",
        At::Parent,
    ),
    (
        "form-max-length-over",
        "$.campaigns[0].variants[0].content.form.fields[0].max_length",
        At::Same,
    ),
    (
        "form-required-not-boolean",
        "$.campaigns[0].variants[0].content.form.fields[0].required",
        At::Same,
    ),
    (
        "form-unknown-message",
        "$.campaigns[0].variants[0].content.form.messages.too_long",
        At::Parent,
    ),
    (
        "form-in-localised-block",
        "$.campaigns[0].variants[0].content.fr.form.fields[0].type",
        At::Same,
    ),
];

/// `tests/rules-invalid/NAME.json` that only the engine refuses, since JSON
/// Schema cannot say it: (NAME, the engine's only error path, why). The
/// schema must accept them: if it ever can refuse one, move it to
/// [`REFUSED_BY_BOTH`].
const ENGINE_ONLY: &[(&str, &str, &str)] = &[
    (
        "weights-not-summing-to-100",
        "$.campaigns[0].variants",
        "a sum over array items",
    ),
    (
        "unknown-segment-reference",
        "$.campaigns[0].audience.segments.any[0]",
        "a reference to another part of the document",
    ),
    (
        "schedule-end-before-start",
        "$.campaigns[0].schedule.end",
        "a comparison of two dates",
    ),
    (
        "schedule-impossible-date",
        "$.campaigns[0].schedule.start",
        "the days of each month (the pattern checks the form only)",
    ),
    (
        "duplicate-campaign-id",
        "$.campaigns[1].id",
        "uniqueness of one field over array items",
    ),
    (
        "duplicate-segment-id",
        "$.segments[1].id",
        "uniqueness of one field over array items",
    ),
    (
        "duplicate-trait-id",
        "$.traits[1].id",
        "uniqueness of one field over array items",
    ),
    (
        "duplicate-variant-id",
        "$.campaigns[0].variants[1].id",
        "uniqueness of one field over array items",
    ),
    (
        "form-key-asked-twice",
        "$.campaigns[0].variants[0].content.form.fields[1]",
        "uniqueness of `trait` / `name` over a form's fields",
    ),
];

fn corpus(name: &str) -> Value {
    let path = root()
        .join("tests/rules-invalid")
        .join([name, ".json"].concat());
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"))
}

/// The engine's error paths for `doc`, which it must refuse.
fn engine_error_paths(name: &str, doc: &Value) -> Vec<String> {
    match engine(doc) {
        Ok(_) => panic!("{name}: the engine accepts it"),
        Err(errs) => errs.into_iter().map(|e| e.path).collect(),
    }
}

/// `$.campaigns[0]["a.b"].id` as a JSON pointer: `/campaigns/0/a.b/id`.
fn pointer(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path.strip_prefix('$').expect("a `$` path");
    while !rest.is_empty() {
        let (segment, tail) = if let Some(r) = rest.strip_prefix("[\"") {
            let end = r.find("\"]").expect("a closed quoted key");
            (
                r[..end].replace("\\\"", "\"").replace("\\\\", "\\"),
                &r[end + 2..],
            )
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').expect("a closed index");
            (r[..end].to_owned(), &r[end + 1..])
        } else {
            let r = rest.strip_prefix('.').expect("`.`, `[` or `[\"`");
            let end = r.find(['.', '[']).unwrap_or(r.len());
            (r[..end].to_owned(), &r[end..])
        };
        out.push('/');
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
        rest = tail;
    }
    out
}

#[test]
fn engine_paths_read_as_json_pointers() {
    assert_eq!(pointer("$"), "");
    assert_eq!(pointer("$.campaigns[12].id"), "/campaigns/12/id");
    assert_eq!(
        pointer("$.segments[0].condition[\"page.path\"]"),
        "/segments/0/condition/page.path"
    );
    assert_eq!(pointer("$.x[\"a/b\"]"), "/x/a~1b");
}

#[test]
fn the_invalid_corpus_is_refused_by_the_schema_and_the_engine_at_the_same_place() {
    assert!(REFUSED_BY_BOTH.len() >= 25);
    for &(name, path, at) in REFUSED_BY_BOTH {
        let doc = corpus(name);
        assert_eq!(
            engine_error_paths(name, &doc),
            [path],
            "{name}: the engine's errors"
        );
        let expected = match at {
            At::Same => pointer(path),
            At::Parent => {
                let p = pointer(path);
                p[..p.rfind('/').expect("a parent")].to_owned()
            }
            At::Pointer(p) => p.to_owned(),
        };
        let errors = schema_errors(&doc);
        assert!(!errors.is_empty(), "{name}: the schema accepts it");
        for (location, message) in &errors {
            assert_eq!(location, &expected, "{name}: the schema says {message}");
        }
    }
}

#[test]
fn what_the_schema_cannot_say_only_the_engine_refuses() {
    for &(name, path, why) in ENGINE_ONLY {
        let doc = corpus(name);
        assert_eq!(
            engine_error_paths(name, &doc),
            [path],
            "{name}: the engine's errors"
        );
        let errors = schema_errors(&doc);
        assert!(
            errors.is_empty(),
            "{name} ({why}) is now refused by the schema too: move it to REFUSED_BY_BOTH: {errors:?}"
        );
    }
}

#[test]
fn every_corpus_file_is_listed_once() {
    let dir = root().join("tests/rules-invalid");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_owned))
        .collect();
    files.sort();
    let mut listed: Vec<String> = REFUSED_BY_BOTH
        .iter()
        .map(|(n, ..)| (*n).to_owned())
        .chain(ENGINE_ONLY.iter().map(|(n, ..)| (*n).to_owned()))
        .collect();
    listed.sort();
    assert_eq!(files, listed);
}

// ---------------------------------------------------------------------------
// The schema itself
// ---------------------------------------------------------------------------

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema).expect("valid against its meta-schema");
}

/// The schema a `$ref` (`#/$defs/name`) points to.
fn resolve<'a>(schema: &'a Value, sub: &'a Value) -> &'a Value {
    match sub.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = schema
                .pointer(r.strip_prefix('#').expect("a local $ref"))
                .unwrap_or_else(|| panic!("dangling $ref {r}"));
            resolve(schema, target)
        }
        None => sub,
    }
}

/// Every property schema below `node`, with its location.
fn properties<'a>(node: &'a Value, at: &str, out: &mut Vec<(String, &'a Value)>) {
    match node {
        Value::Object(map) => {
            for (k, v) in map {
                let here = [at, "/", k].concat();
                if k == "properties" {
                    for (name, sub) in v.as_object().into_iter().flatten() {
                        out.push(([here.as_str(), "/", name].concat(), sub));
                    }
                }
                properties(v, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                properties(v, &[at, "/", &i.to_string()].concat(), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_property_has_a_description_for_hover() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let mut all = Vec::new();
    properties(&schema, "#", &mut all);
    assert!(all.len() > 100, "{}", all.len());
    for (at, sub) in all {
        // Inside `if` the properties only select a branch; nothing to show.
        if at.contains("/if/") || sub == &Value::Bool(false) {
            continue;
        }
        let described = sub
            .get("description")
            .or_else(|| resolve(&schema, sub).get("description"));
        assert!(
            described
                .and_then(Value::as_str)
                .is_some_and(|d| !d.is_empty()),
            "{at} has no description"
        );
    }
}

#[test]
fn closed_sets_are_enums_an_editor_can_complete() {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let defs = &schema["$defs"];
    let enum_of = |v: &Value| -> Vec<String> {
        v["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no enum in {v}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        enum_of(&defs["formField"]["properties"]["type"]),
        parcours_engine::form::FIELD_TYPES
    );
    // serde_json's objects iterate in key order: compare sorted lists.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let keys = |v: &Value| sorted(v.as_object().unwrap().keys().cloned().collect());
    let owned = |l: &[&str]| sorted(l.iter().map(|s| (*s).to_owned()).collect());
    assert_eq!(
        keys(&defs["form"]["properties"]["messages"]["properties"]),
        owned(parcours_engine::form::MESSAGE_KEYS)
    );
    let aggregates: Vec<&str> = parcours_engine::computed::Aggregate::ALL
        .iter()
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(
        enum_of(&defs["trait"]["properties"]["aggregate"]),
        aggregates
    );
    assert_eq!(
        keys(&schema["properties"]),
        owned(parcours_engine::rules::FIELDS)
    );
    assert_eq!(
        enum_of(&defs["trigger"]["properties"]["on"]),
        [
            "page_view",
            "event",
            "exit_intent",
            "scroll",
            "time_on_page",
            "inactivity",
            "flag"
        ]
    );
}

// ---------------------------------------------------------------------------
// GET /v1/rules/schema
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_server_answers_the_schema_file_cacheable_and_public() {
    let t = common::TestApp::new();
    let res = t.get("/v1/rules/schema").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), Some("application/schema+json"));
    let file = read(&root().join("server/schema/rules.schema.json"));
    assert_eq!(res.body, file.as_bytes());
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert!(res.header("cache-control").unwrap().contains("max-age"));
    let etag = res.header("etag").expect("an ETag").to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let req = |headers: &[(&str, &str)]| {
        let mut r = Request::get("/v1/rules/schema");
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(Body::empty()).unwrap()
    };
    let again = t.send(req(&[("if-none-match", &etag)])).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let stale = t.send(req(&[("if-none-match", "\"other\"")])).await;
    assert_eq!(stale.status, StatusCode::OK);

    // No site allows this origin, and the schema is still readable: it is
    // the same for everyone and carries nothing of a site's.
    let foreign = t.send(req(&[("origin", "https://editor.example")])).await;
    assert_eq!(foreign.status, StatusCode::OK);
    assert_eq!(foreign.body, file.as_bytes());
    let rules = t
        .send(
            Request::get("/v1/rules?writeKey=site_1")
                .header("origin", "https://editor.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        rules.status,
        StatusCode::FORBIDDEN,
        "the rules stay guarded"
    );
}
