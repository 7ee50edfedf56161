//! `POST /demo/login` (only with `--demo-backend`): the demo shop's own
//! "site backend", so the shop can show `identify(userId, traits, { token })`.
//!
//! A real site never does this in Parcours: its own backend, which knows who
//! signed in, signs the user token with the site's `user_token_secret` (see
//! the README, "User tokens") and hands it to its pages. This route stands in
//! for that backend on the demo site (the seed write key) only: it takes
//! `{"email": "…"}`, checks no password, derives a pseudonymous user id from
//! the address (`u-` + the first 12 hex digits of SHA-256 of the lower-cased
//! address, so no e-mail address reaches Parcours) and answers `{"userId",
//! "token"}`, a token valid one day.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::user_token::{self, Claims};
use crate::{AppError, AppState};

/// How long a demo login's token is valid.
const TOKEN_TTL_SECONDS: i64 = 24 * 3600;

#[derive(Deserialize)]
struct Login {
    email: String,
}

/// The answer: who the visitor is, and the token vouching for it.
#[derive(Serialize)]
pub struct LoggedIn {
    #[serde(rename = "userId")]
    user_id: String,
    token: String,
}

/// The user id the demo derives from an e-mail address.
pub fn user_id(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("u-{hex}")
}

/// Signs a token for the address's user id; see the module docs.
pub async fn login(State(state): State<AppState>, body: Bytes) -> Result<Json<LoggedIn>, AppError> {
    let site = state.demo_site.as_deref().ok_or(AppError::NotFound)?;
    let login: Login = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("expected {{\"email\": \"…\"}}: {e}")))?;
    if !login.email.contains('@') {
        return Err(AppError::BadRequest("email: not an e-mail address".into()));
    }
    let secret = state
        .sites
        .get(site)
        .user_token_secret
        .as_ref()
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "site {site:?} has no user_token_secret in --sites: the demo backend cannot sign"
            ))
        })?;
    let user_id = user_id(&login.email);
    let claims = Claims {
        site: site.to_owned(),
        sub: user_id.clone(),
        exp: user_token::now_unix() + TOKEN_TTL_SECONDS,
    };
    let token = user_token::sign(secret.0.as_bytes(), &claims);
    Ok(Json(LoggedIn { user_id, token }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_id_is_a_hash_of_the_lower_cased_address() {
        assert_eq!(user_id("Lea@Example.fr"), user_id(" lea@example.fr"));
        assert_ne!(user_id("lea@example.fr"), user_id("leo@example.fr"));
        let id = user_id("lea@example.fr");
        assert_eq!(id.len(), 14);
        assert!(id.starts_with("u-") && !id.contains('@'));
    }
}
