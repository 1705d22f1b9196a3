//! The office's directory of third parties (agencies) and their contacts.

use crate::{Error, OfficeData, Result, in_transaction, on_read, on_write};

/// An agency as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub level: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub reply_days: i64,
    pub needs_consent: bool,
    pub escalate_to: Option<i64>,
    pub notes: String,
    pub retired: bool,
    pub updated_at: i64,
    pub version: i64,
}

/// An agency's fields as written (checked by the caller).
#[derive(Debug, Clone, Default)]
pub struct AgencyFields {
    pub name: String,
    /// The name folded, unique in the office.
    pub norm: String,
    pub kind: String,
    pub level: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub reply_days: i64,
    pub needs_consent: bool,
    pub escalate_to: Option<i64>,
    pub notes: String,
    pub retired: bool,
}

/// A person at an agency.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgencyContact {
    pub id: i64,
    pub agency_id: i64,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub retired: bool,
}

/// A contact's fields as written (checked by the caller).
#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub address: String,
}

const AGENCY_COLUMNS: &str = "id, name, kind, level, email, phone, address, reply_days, needs_consent, \
     escalate_to, notes, retired, updated_at, version";

/// Binds an agency's fields after `office_id`, in `INSERT` column order.
macro_rules! bind_agency {
    ($q:expr, $f:expr) => {
        $q.bind(&$f.name)
            .bind(&$f.norm)
            .bind(&$f.kind)
            .bind(&$f.level)
            .bind(&$f.email)
            .bind(&$f.phone)
            .bind(&$f.address)
            .bind($f.reply_days)
            .bind($f.needs_consent)
            .bind($f.escalate_to)
            .bind(&$f.notes)
            .bind($f.retired)
    };
}

const INSERT_AGENCY: &str = "INSERT INTO agencies (office_id, name, norm, kind, level, email, phone, address, \
     reply_days, needs_consent, escalate_to, notes, retired, created_at, updated_at, version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 1)";

impl OfficeData {
    /// The office's agencies by name (retired ones too, marked).
    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {AGENCY_COLUMNS} FROM agencies WHERE office_id = $1 ORDER BY norm"
            )))
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// One of the office's agencies.
    pub async fn agency(&self, id: i64) -> Result<Agency> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {AGENCY_COLUMNS} FROM agencies WHERE id = $1 AND office_id = $2"
            )))
            .bind(id)
            .bind(office_id)
            .fetch_one(pool)
            .await?)
        })
    }

    /// The office's agency whose folded name is `norm`, if any.
    pub async fn agency_by_norm(&self, norm: &str) -> Result<Option<Agency>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {AGENCY_COLUMNS} FROM agencies WHERE office_id = $1 AND norm = $2"
            )))
            .bind(office_id)
            .bind(norm)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Adds an agency; `Duplicate` when the office has one of that name.
    pub async fn create_agency(&self, f: &AgencyFields, now: i64) -> Result<i64> {
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            let q =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{INSERT_AGENCY} RETURNING id")))
                    .bind(office_id);
            Ok(bind_agency!(q, f).bind(now).fetch_one(pool).await?)
        })
    }

    /// Adds the agencies a file or a starter list names, in one
    /// transaction, skipping those whose name the office already has.
    /// Returns how many were added.
    pub async fn import_agencies(&self, list: &[AgencyFields], now: i64) -> Result<u64> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let mut added = 0;
            for f in list {
                let q = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{INSERT_AGENCY} ON CONFLICT (office_id, norm) DO NOTHING"
                )))
                .bind(office_id);
                added += bind_agency!(q, f)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            Ok(added)
        })
    }

    /// Changes an agency written at `version`.
    pub async fn update_agency(
        &self,
        id: i64,
        version: i64,
        f: &AgencyFields,
        now: i64,
    ) -> Result<()> {
        let office_id = self.scope.office_id;
        let done = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE agencies SET name = $3, norm = $4, kind = $5, level = $6, email = $7, phone = $8, \
                 address = $9, reply_days = $10, needs_consent = $11, escalate_to = $12, notes = $13, \
                 retired = $14, updated_at = $15, version = version + 1 \
                 WHERE id = $1 AND office_id = $2 AND version = $16",
            )
            .bind(id)
            .bind(office_id)
            .bind(&f.name)
            .bind(&f.norm)
            .bind(&f.kind)
            .bind(&f.level)
            .bind(&f.email)
            .bind(&f.phone)
            .bind(&f.address)
            .bind(f.reply_days)
            .bind(f.needs_consent)
            .bind(f.escalate_to)
            .bind(&f.notes)
            .bind(f.retired)
            .bind(now)
            .bind(version)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 1 {
            return Ok(());
        }
        self.agency(id).await?;
        Err(Error::Conflict)
    }

    /// An agency's contacts, current ones first.
    pub async fn agency_contacts(&self, agency_id: i64) -> Result<Vec<AgencyContact>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT id, agency_id, name, role, email, phone, address, retired FROM agency_contacts \
                 WHERE agency_id = $1 AND office_id = $2 ORDER BY retired, name, id",
            )
            .bind(agency_id)
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Adds a contact to one of the office's agencies.
    pub async fn add_agency_contact(
        &self,
        agency_id: i64,
        f: &ContactFields,
        now: i64,
    ) -> Result<i64> {
        self.agency(agency_id).await?;
        let office_id = self.scope.office_id;
        on_write!(self, |pool| {
            Ok(sqlx::query_scalar(
                "INSERT INTO agency_contacts (office_id, agency_id, name, role, email, phone, address, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(office_id)
            .bind(agency_id)
            .bind(&f.name)
            .bind(&f.role)
            .bind(&f.email)
            .bind(&f.phone)
            .bind(&f.address)
            .bind(now)
            .fetch_one(pool)
            .await?)
        })
    }

    /// Marks a contact as no longer there (kept for the enquiries sent to them).
    pub async fn retire_agency_contact(&self, agency_id: i64, contact_id: i64) -> Result<()> {
        let office_id = self.scope.office_id;
        let done = on_write!(self, |pool| {
            sqlx::query(
                "UPDATE agency_contacts SET retired = TRUE WHERE id = $1 AND agency_id = $2 AND office_id = $3",
            )
            .bind(contact_id)
            .bind(agency_id)
            .bind(office_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done == 1 {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    /// The distinct free-text agencies of the office's cases, with how many
    /// cases name each (for carrying them into the directory).
    pub async fn case_agency_texts(&self) -> Result<Vec<(String, i64)>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT agency, COUNT(*) FROM cases WHERE office_id = $1 AND agency <> '' \
                 GROUP BY agency ORDER BY agency",
            )
            .bind(office_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// What was carried over from free-text agencies, once done.
    pub async fn agency_report(&self) -> Result<Option<String>> {
        let office_id = self.scope.office_id;
        on_read!(self, |pool| {
            Ok(
                sqlx::query_scalar("SELECT agency_report FROM offices WHERE id = $1")
                    .bind(office_id)
                    .fetch_one(pool)
                    .await?,
            )
        })
    }

    /// Adds the directory entries made from free-text agencies and writes
    /// the report, once: returns false (and adds nothing) when another
    /// server did it first.
    pub async fn carry_over_agencies(
        &self,
        list: &[AgencyFields],
        report: &str,
        now: i64,
    ) -> Result<bool> {
        let office_id = self.scope.office_id;
        in_transaction!(self, |tx| {
            let first = sqlx::query(
                "UPDATE offices SET agency_report = $2 WHERE id = $1 AND agency_report IS NULL",
            )
            .bind(office_id)
            .bind(report)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if first == 0 {
                return Ok(false);
            }
            for f in list {
                let q = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{INSERT_AGENCY} ON CONFLICT (office_id, norm) DO NOTHING"
                )))
                .bind(office_id);
                bind_agency!(q, f).bind(now).execute(&mut *tx).await?;
            }
            Ok(true)
        })
    }
}
