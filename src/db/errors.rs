//! How a database failure reaches the client: a busy or locked database is a 503 (try again
//! shortly), anything else a 500; either way the diesel error is kept as the logged cause. How the
//! engine says "busy" is SQLite's own wording, so it is recognised here and nowhere else.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::error::Error;

/// Whether SQLite gave up waiting for a lock (after `busy_timeout`): a moment of contention, not
/// a fault.
pub fn is_busy(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message();
            message.contains("locked") || message.contains("busy")
        }
        _ => false,
    }
}

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        if is_busy(&e) {
            Error::unavailable(e)
        } else {
            Error::internal(e)
        }
    }
}
