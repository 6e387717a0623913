// Follows the diesel_derives lib.rs docs and the Diesel getting-started / associations guides: model structs
// deriving Queryable, Selectable, Identifiable, Associations, Insertable, AsChangeset and QueryableByName.
// The expansion names `diesel::...` paths and `table!` modules; a stand-in `diesel` and schema are below.
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
        pub trait FromStaticSqlRow<ST, DB>: Sized {
            fn build_from_row<'a>(row: &impl super::row::Row<'a, DB>) -> Result<Self>;
        }
        pub trait Queryable<ST, DB>: Sized {
            type Row;
            fn build(row: Self::Row) -> Result<Self>;
        }
        pub trait QueryableByName<DB>: Sized {
            fn build<'a>(row: &impl super::row::NamedRow<'a, DB>) -> Result<Self>;
        }
    }
    pub mod row {
        pub trait Field<'a, DB> {}
        pub trait Row<'a, DB> {}
        pub trait NamedRow<'a, DB> {
            fn get<ST, T>(&self, column_name: &str) -> super::deserialize::Result<T>;
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
        pub trait Selectable<DB> {
            type SelectExpression;
            fn construct_selection() -> Self::SelectExpression;
        }
    }
    pub mod associations {
        pub trait HasTable {
            type Table;
            fn table() -> Self::Table;
        }
        pub trait Identifiable: HasTable {
            type Id;
            fn id(self) -> Self::Id;
        }
        pub trait BelongsTo<Parent> {
            type ForeignKey;
            type ForeignKeyColumn;
            fn foreign_key(&self) -> Option<&Self::ForeignKey>;
            fn foreign_key_column() -> Self::ForeignKeyColumn;
        }
    }
    pub mod insertable {
        pub trait Insertable<T> {
            type Values;
            fn values(self) -> Self::Values;
        }
    }
    pub mod query_builder {
        pub trait AsChangeset {
            type Target;
            type Changeset;
            fn as_changeset(self) -> Self::Changeset;
        }
        pub trait QueryId {
            type QueryId;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
    }
    pub mod dsl {
        pub type Eq<L, R> = (L, R);
        pub type SqlTypeOf<E> = E;
    }
    pub mod sql_types {
        pub struct Untyped;
        pub struct BigInt;
    }
    pub mod internal {
        pub mod derives {
            pub mod insertable {
                pub trait UndecoratedInsertRecord<T> {}
            }
        }
    }
    pub mod prelude {
        pub use super::associations::{BelongsTo, Identifiable};
        pub use super::expression::{AsExpression, Expression, Selectable};
        pub use super::insertable::Insertable;
        pub use super::query_builder::AsChangeset;
        pub trait ExpressionMethods {
            fn eq<T>(self, other: T) -> (Self, T) where Self: Sized;
        }
    }
}

pub mod schema {
    pub mod users {
        #[allow(non_camel_case_types)]
        pub struct table;
        pub mod columns {
            #[allow(non_camel_case_types)]
            pub struct id;
            #[allow(non_camel_case_types)]
            pub struct name;
            #[allow(non_camel_case_types)]
            pub struct email;
            #[allow(non_camel_case_types)]
            pub struct hair_color;
        }
        pub use self::columns::*;
    }
    pub mod posts {
        #[allow(non_camel_case_types)]
        pub struct table;
        pub mod columns {
            #[allow(non_camel_case_types)]
            pub struct id;
            #[allow(non_camel_case_types)]
            pub struct user_id;
            #[allow(non_camel_case_types)]
            pub struct title;
            #[allow(non_camel_case_types)]
            pub struct body;
            #[allow(non_camel_case_types)]
            pub struct published;
        }
        pub use self::columns::*;
    }
    pub mod comments {
        #[allow(non_camel_case_types)]
        pub struct table;
        pub mod columns {
            #[allow(non_camel_case_types)]
            pub struct post_id;
            #[allow(non_camel_case_types)]
            pub struct author_id;
            #[allow(non_camel_case_types)]
            pub struct text;
        }
        pub use self::columns::*;
    }
}

use schema::{comments, posts, users};

#[derive(Queryable, Selectable, Identifiable, Debug, PartialEq)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub hair_color: Option<String>,
}

#[derive(Queryable, Selectable, Identifiable, Associations, Debug, PartialEq)]
#[diesel(belongs_to(User))]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: String,
    pub published: bool,
}

#[derive(Queryable, Identifiable, Associations, Debug)]
#[diesel(table_name = comments, primary_key(post_id, author_id))]
#[diesel(belongs_to(Post))]
#[diesel(belongs_to(User, foreign_key = author_id))]
pub struct Comment {
    pub post_id: i32,
    pub author_id: i32,
    #[diesel(column_name = text)]
    pub content: String,
}

#[derive(Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost<'a> {
    pub user_id: i32,
    pub title: &'a str,
    pub body: &'a str,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser {
    pub name: String,
    #[diesel(serialize_as = String)]
    pub email: Email,
    pub hair_color: Option<String>,
}

#[derive(Debug)]
pub struct Email(String);

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[derive(AsChangeset, Identifiable)]
#[diesel(table_name = posts)]
pub struct PostForm {
    pub id: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub published: Option<bool>,
}

#[derive(AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChanges<'a> {
    #[diesel(column_name = name)]
    pub display_name: &'a str,
    pub hair_color: Option<&'a str>,
}

#[derive(QueryableByName, Debug)]
#[diesel(table_name = users)]
pub struct UserName {
    pub id: i32,
    #[diesel(column_name = name)]
    pub user_name: String,
}

#[derive(QueryableByName, Debug)]
pub struct PostCount {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
    #[diesel(embed)]
    pub user: UserName,
}

#[derive(Queryable, Debug)]
pub struct Summary {
    pub id: i32,
    #[diesel(deserialize_as = String)]
    pub title: Box<str>,
}

fn main() {}
