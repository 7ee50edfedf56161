//! `GET /v1/reports/campaigns?writeKey=…&from=YYYY-MM-DD&to=YYYY-MM-DD`:
//! each campaign's arms against its holdout, for the persons first exposed
//! on those UTC days (inclusive), with the site's admin token. JSON by
//! default; CSV with `Accept: text/csv` or `format=csv`; `interval=day`
//! adds a daily series. See [`crate::report`] and docs/reports.md.

use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use time::format_description::well_known::Iso8601;
use time::Date;

use super::{header_str, WriteKeyQuery};
use crate::report::{self, Period};
use crate::{origin, sites, AppError, AppState};

/// The query parameters besides `writeKey`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// First UTC day.
    pub from: Option<String>,
    /// Last UTC day (inclusive).
    pub to: Option<String>,
    /// `day` for a daily series.
    pub interval: Option<String>,
    /// `csv` or `json`.
    pub format: Option<String>,
}

fn day(name: &str, value: Option<&str>) -> Result<Date, AppError> {
    let v = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::BadRequest(format!("missing {name} (YYYY-MM-DD, UTC)")))?;
    match Date::parse(v, &Iso8601::DATE) {
        Ok(d) if v.len() == 10 => Ok(d),
        _ => Err(AppError::BadRequest(format!(
            "{name} {v:?} is not a date (YYYY-MM-DD, UTC)"
        ))),
    }
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The report; see the module docs.
pub async fn campaigns(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    origin::check(&state.sites, &headers, &key)?;
    sites::authorize_admin(
        &state.db,
        &state.sites,
        &key,
        header_str(&headers, AUTHORIZATION),
    )
    .await?;
    let (from, to) = (day("from", q.from.as_deref())?, day("to", q.to.as_deref())?);
    if from > to {
        return Err(AppError::BadRequest("from is after to".into()));
    }
    let daily = match q.interval.as_deref() {
        None | Some("") => false,
        Some("day") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "interval {other:?} is not supported (day)"
            )))
        }
    };
    let csv = match q.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        None | Some("") => header_str(&headers, ACCEPT).is_some_and(|a| a.contains("text/csv")),
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "format {other:?} is not supported (json, csv)"
            )))
        }
    };
    if !state.db.site_known(&key).await? {
        return Err(AppError::UnknownSite(key));
    }
    let (from, to) = (iso(from), iso(to));
    let (exposures, counts, goals) = state.db.campaign_cells(&key, &from, &to).await?;
    let retained_from = state.retention_days.map(|d| {
        iso((time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(d))).date())
    });
    let period = Period {
        from: from.clone(),
        to: to.clone(),
        retained_from,
        retention_days: state.retention_days,
    };
    let r = report::build(&key, period, daily, &goals, &exposures, &counts);
    if csv {
        let name = format!("attachment; filename=\"campaigns-{from}-{to}.csv\"");
        return Ok((
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (CONTENT_DISPOSITION, name),
            ],
            report::to_csv(&r),
        )
            .into_response());
    }
    Ok(Json(r).into_response())
}
