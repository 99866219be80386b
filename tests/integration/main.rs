//! Errata's one integration-test binary: the real application on a real SQLite file per test, mail
//! over SMTP to a real server on loopback, and the `errata` binary itself for the CLI.

mod support;

mod anchoring;
mod articles;
mod browser;
mod cli;
mod concurrency;
mod corrections;
mod crash;
mod dashboard;
mod dashboard_admin;
mod dashboard_browser;
mod dashboard_stats;
mod demo;
mod http_errors;
mod input;
mod instances;
mod mail;
mod mail_editor;
mod migrate_data;
mod notifications;
mod operations;
mod publishing;
mod reader;
mod related;
mod reports;
mod restart;
mod structure;
mod webhooks;
mod workflow;
