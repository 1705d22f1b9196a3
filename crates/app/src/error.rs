use casework_domain::FieldErrors;

/// What can go wrong in a use case, in terms the web layer maps to a status
/// code and a message a caseworker understands.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session or token (401), or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// The thing does not exist or the actor may not see it (404).
    #[error("not found")]
    NotFound,
    /// The actor may see the thing but not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The input is invalid; one message per field (422).
    #[error("some fields are invalid")]
    Invalid(FieldErrors),
    /// Someone else changed the record first (409).
    #[error("this record was changed by someone else; reload it and try again")]
    Conflict,
    /// Too many failed attempts; try again later (429).
    #[error("too many attempts; try again in {retry_after_minutes} minutes")]
    Throttled { retry_after_minutes: i64 },
    /// Anything unexpected: logged in full, shown as a reference (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, message);
        AppError::Invalid(e)
    }
}

impl From<casework_store::Error> for AppError {
    fn from(e: casework_store::Error) -> Self {
        use casework_store::Error as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::Conflict => AppError::Conflict,
            E::Duplicate(what) => AppError::Internal(format!("unexpected duplicate: {what}")),
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Turns field errors into `Err(Invalid)` when there are any.
pub(crate) fn check(errors: FieldErrors) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}
