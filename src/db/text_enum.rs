//! Enums stored as TEXT: a closed set of names (a report's state, a note's kind, …) read and
//! written through diesel as their `as_str` spelling. A stored name the enum does not know is a
//! deserialization error, never a default: a hand-edited or newer database must not be read as
//! something it does not say.

/// Implements diesel's `ToSql` and `FromSql` for `Text` on an enum with
/// `fn as_str(self) -> &'static str` and `fn parse(&str) -> Option<Self>`. The enum itself derives
/// `AsExpression` and `FromSqlRow` with `#[diesel(sql_type = Text)]`.
///
/// The impls are generic over the backend (any backend that stores text as `String`/`str`), so
/// they stay valid when a PostgreSQL backend is added; the expansion names only `diesel`, which is
/// why modules of every layer (the pure `text` core too) may use it.
#[macro_export]
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        impl<DB> ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            str: ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, DB>,
            ) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB> for $ty
        where
            DB: ::diesel::backend::Backend,
            String: ::diesel::deserialize::FromSql<::diesel::sql_types::Text, DB>,
        {
            fn from_sql(
                bytes: <DB as ::diesel::backend::Backend>::RawValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let stored = <String as ::diesel::deserialize::FromSql<
                    ::diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                <$ty>::parse(&stored).ok_or_else(|| {
                    format!(
                        "`{stored}` is not a known {} (read from the database)",
                        $what
                    )
                    .into()
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::sql_types::{Nullable, Text};
    use diesel::{AsExpression, FromSqlRow};

    /// A stored enum of its own, so that this test names nothing outside `db`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
    #[diesel(sql_type = Text)]
    enum Light {
        Red,
        Green,
    }

    impl Light {
        fn as_str(self) -> &'static str {
            match self {
                Light::Red => "red",
                Light::Green => "green",
            }
        }

        fn parse(s: &str) -> Option<Light> {
            [Light::Red, Light::Green]
                .into_iter()
                .find(|l| l.as_str() == s)
        }
    }

    crate::stored_as_text!(Light, "light");

    fn read(conn: &mut super::super::Conn, literal: &str) -> QueryResult<Light> {
        diesel::select(sql::<Text>(literal)).get_result(conn)
    }

    #[test]
    fn a_known_name_reads_back_and_an_unknown_one_is_an_error() {
        let mut conn = super::super::connect(":memory:").expect("an in-memory database");
        assert_eq!(read(&mut conn, "'green'"), Ok(Light::Green));
        let unknown = read(&mut conn, "'amber'").unwrap_err();
        assert!(
            matches!(unknown, diesel::result::Error::DeserializationError(_)),
            "{unknown:?}"
        );
        assert!(
            format!("{unknown:?}").contains("`amber` is not a known light"),
            "{unknown:?}"
        );
        let none: Option<Light> = diesel::select(sql::<Nullable<Text>>("NULL"))
            .get_result(&mut conn)
            .expect("NULL reads as None");
        assert_eq!(none, None);
    }

    #[test]
    fn names_are_written_as_their_spelling() {
        let mut conn = super::super::connect(":memory:").expect("an in-memory database");
        let written: String = diesel::select(sql::<Text>("").bind::<Text, _>(Light::Red))
            .get_result(&mut conn)
            .expect("a bound enum");
        assert_eq!(written, "red");
    }
}
