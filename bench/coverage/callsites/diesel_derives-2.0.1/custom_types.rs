// Follows the diesel_derives lib.rs docs of SqlType, AsExpression, FromSqlRow (the `UppercaseString` and custom
// SQL type examples), QueryId (`And<Left, Right>`), ValidGrouping (`LiteralOne`, `Plus`) and DieselNumericOps.
// The expansion names `diesel::...` paths; a stand-in `diesel` with those items is below.
#[macro_use]
extern crate diesel_derives;

mod diesel {
    //! Just the items of diesel 2.0 that the derives name, with their trait members.
    pub mod backend {
        pub trait Backend {}
    }
    pub mod deserialize {
        pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
        pub trait FromSql<ST, DB>: Sized {
            fn from_sql(bytes: ()) -> Result<Self>;
        }
        pub trait FromSqlRow<ST, DB>: Sized {}
        pub trait Queryable<ST, DB>: Sized {
            type Row;
            fn build(row: Self::Row) -> Result<Self>;
        }
    }
    pub mod serialize {
        pub type Result = std::result::Result<IsNull, Box<dyn std::error::Error + Send + Sync>>;
        pub enum IsNull {
            Yes,
            No,
        }
        pub struct Output<'a, 'b, DB>(&'a mut &'b mut DB);
        pub trait ToSql<A, DB> {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> Result;
        }
    }
    pub mod expression {
        pub trait Expression {
            type SqlType;
        }
        pub trait AsExpression<T> {
            type Expression;
            fn as_expression(self) -> Self::Expression;
        }
        pub trait ValidGrouping<GroupByClause> {
            type IsAggregate;
        }
        pub trait MixedAggregates<Other> {
            type Output;
        }
        pub mod is_aggregate {
            pub struct Yes;
            pub struct No;
            pub struct Never;
        }
    }
    pub mod query_builder {
        // diesel re-exports the derive next to the trait
        pub use diesel_derives::QueryId;
        pub trait QueryId {
            type QueryId;
            const HAS_STATIC_QUERY_ID: bool = true;
            fn query_id() -> Option<std::any::TypeId> {
                None
            }
        }
    }
    pub mod sql_types {
        pub trait SqlType {
            type IsNull;
        }
        pub trait SingleValue {}
        pub trait HasSqlType<ST> {
            fn metadata(lookup: &mut ()) -> ();
        }
        pub struct Nullable<ST>(ST);
        pub struct Text;
        pub struct Integer;
        pub mod is_nullable {
            pub struct NotNull;
            pub struct IsNullable;
        }
        pub mod ops {
            pub trait Add {
                type Rhs;
                type Output;
            }
            pub trait Sub {
                type Rhs;
                type Output;
            }
            pub trait Mul {
                type Rhs;
                type Output;
            }
            pub trait Div {
                type Rhs;
                type Output;
            }
        }
    }
    pub mod internal {
        pub mod derives {
            pub mod as_expression {
                pub struct Bound<T, U>(T, U);
            }
            pub mod numeric_ops {
                pub struct Add<L, R>(L, R);
                pub struct Sub<L, R>(L, R);
                pub struct Mul<L, R>(L, R);
                pub struct Div<L, R>(L, R);
            }
        }
    }
    pub mod prelude {}
}

mod sql_types {
    /// A custom SQL type, as in the `SqlType` docs.
    #[derive(SqlType, QueryId, Debug, Clone, Copy)]
    #[diesel(postgres_type(name = "my_enum"))]
    #[diesel(sqlite_type(name = "Text"))]
    #[diesel(mysql_type(name = "Enum"))]
    pub struct MyEnum;

    /// A type with a fixed OID.
    #[derive(SqlType)]
    #[diesel(postgres_type(oid = 3614, array_oid = 3643))]
    pub struct TsVector;

    /// A type looked up in a schema.
    #[derive(SqlType)]
    #[diesel(postgres_type(name = "citext", schema = "extensions"))]
    pub struct Citext;
}

#[derive(Debug, FromSqlRow, AsExpression)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct UppercaseString(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = sql_types::MyEnum)]
pub enum Mood {
    Sad,
    Ok,
    Happy,
}

#[derive(Debug, AsExpression)]
#[diesel(sql_type = diesel::sql_types::Text, not_sized)]
pub struct Slug(str);

#[derive(Debug, FromSqlRow, AsExpression)]
#[diesel(sql_type = diesel::sql_types::Integer)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub struct Tagged<'a>(&'a str);

#[derive(diesel::query_builder::QueryId)]
pub struct And<Left, Right> {
    left: Left,
    right: Right,
}

#[derive(QueryId, ValidGrouping, DieselNumericOps, Clone, Copy)]
pub struct LiteralOne;

#[derive(QueryId, ValidGrouping, DieselNumericOps)]
pub struct Plus<Lhs, Rhs>(Lhs, Rhs);

#[derive(QueryId, ValidGrouping)]
#[diesel(aggregate)]
pub struct CountStar;

#[derive(QueryId, ValidGrouping, DieselNumericOps, Debug)]
pub struct Column<ST> {
    name: &'static str,
    _marker: std::marker::PhantomData<ST>,
}

fn main() {
    let _ = And { left: LiteralOne, right: Plus(LiteralOne, CountStar) };
}
