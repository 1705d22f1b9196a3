//! Integration tests: the real server, over HTTP, on SQLite and PostgreSQL.

pub mod harness;

mod api;
mod approvals;
mod authz;
mod authz_routes;
mod bulk;
mod campaign_pages;
mod campaigns;
mod cli;
mod documents;
mod drafts;
mod follow_up;
mod fuzz;
mod imap;
mod jobs;
mod letters;
mod linking;
mod mail;
mod notifications;
mod nul;
mod openapi;
mod outbox;
mod pages;
mod quiet;
mod review;
mod review_counts;
mod safekeeping;
mod search;
mod security;
mod sso;
mod tags;
mod transfers;
mod trends;
mod views;
mod visibility;
