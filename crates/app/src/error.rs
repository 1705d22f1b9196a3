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
    /// The database failed unexpectedly; the store's error (and its own
    /// cause, e.g. the driver's) is kept so the log shows the whole chain
    /// (500, shown as a reference).
    #[error("the database failed")]
    Storage(#[source] casework_store::Error),
}

impl AppError {
    /// This error and every cause under it, outermost first, for the log.
    pub fn cause_chain(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            // Errors that print their source themselves are not repeated.
            let text = c.to_string();
            if !out.contains(&text) {
                out.push_str(": ");
                out.push_str(&text);
            }
            cause = c.source();
        }
        out
    }

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
            E::SearchTooBroad => AppError::field(
                "q",
                "This search matches too much to list in time: add a word, a date or a kind to narrow it.",
            ),
            other => AppError::Storage(other),
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

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn a_database_failure_keeps_its_cause_for_the_log() {
        let e = AppError::from(casework_store::Error::Database(sqlx::Error::PoolTimedOut));
        assert!(matches!(e, AppError::Storage(_)));
        let chain = e.cause_chain();
        assert!(
            chain.starts_with("the database failed: database error: "),
            "{chain}"
        );
        assert!(chain.contains("pool timed out"), "{chain}");
        // Expected outcomes stay what they were.
        assert!(matches!(
            AppError::from(casework_store::Error::NotFound),
            AppError::NotFound
        ));
    }

    #[test]
    fn a_search_too_broad_is_a_message_on_the_query_not_a_failure() {
        match AppError::from(casework_store::Error::SearchTooBroad) {
            AppError::Invalid(e) => {
                let message = e.0.get("q").expect("an error on the query");
                assert!(message.contains("add a word"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
