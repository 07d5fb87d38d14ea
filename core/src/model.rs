//! The contract between `#[derive(Model)]` and the rest of Retort.

use crate::schema::{SqlType, Table};

/// A struct that describes one table. Implemented by `#[derive(Model)]`; not meant to be
/// implemented by hand.
pub trait Model {
    /// The table's name.
    const TABLE: &'static str;
    /// The full table definition.
    fn table() -> Table;
}

/// Maps a Rust type to a column type. Implement it for your own newtypes to use them as fields.
///
/// ```
/// use retort::{ColumnType, schema::SqlType};
/// struct Email(String);
/// impl ColumnType for Email {
///     fn sql_type() -> SqlType { SqlType::Varchar(320) }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a column type",
    label = "no SQL type is known for `{Self}`",
    note = "supported: bool, i16, i32, i64, f32, f64, String, Vec<u8>, Option<T>, chrono date/time types, uuid::Uuid, serde_json::Value",
    note = "for other types, set the type explicitly with `#[model(sql_type = \"...\")]`, mark the field `#[model(skip)]`, or implement `retort::ColumnType` for it"
)]
pub trait ColumnType {
    /// The column's type.
    fn sql_type() -> SqlType;
    /// Whether the column accepts NULL (true only for `Option<T>`).
    const NULLABLE: bool = false;
}

/// A fieldless Rust enum stored as a database enum. Implemented by `#[derive(DbEnum)]`; not
/// meant to be implemented by hand. The derive also implements [`ColumnType`], so the enum (and
/// `Option` of it) is a field type: a native enum type on PostgreSQL, checked `TEXT` on SQLite.
///
/// ```
/// use retort::DbEnum;
///
/// #[derive(DbEnum, Debug, Clone, Copy, PartialEq)]
/// #[db_enum(name = "mood")]
/// pub enum Mood {
///     Happy,
///     #[db_enum(rename = "so-so")]
///     SoSo,
///     VerySad,
/// }
///
/// assert_eq!(Mood::LABELS, ["happy", "so-so", "very_sad"]);
/// assert_eq!(Mood::VerySad.label(), "very_sad");
/// assert_eq!(Mood::from_label("so-so"), Some(Mood::SoSo));
/// ```
pub trait DbEnum: Sized + 'static {
    /// The database type's name (PostgreSQL `CREATE TYPE`).
    const NAME: &'static str;
    /// The labels, in declaration order.
    const LABELS: &'static [&'static str];
    /// This value's label.
    fn label(&self) -> &'static str;
    /// The value whose label is `label`, if any.
    fn from_label(label: &str) -> Option<Self>;
}

/// Types that take `#[model(max_length = N)]` and become `VARCHAR(N)`.
#[diagnostic::on_unimplemented(
    message = "`max_length` needs a `String` field, not `{Self}`",
    label = "`max_length` does not apply to `{Self}`",
    note = "use `max_length` on `String` or `Option<String>`, or give the type with `#[model(sql_type = \"...\")]`"
)]
pub trait VarLength: ColumnType {}

impl VarLength for String {}
impl VarLength for Option<String> {}

/// Integer column types, which `#[model(identity = "...")]` and `#[model(serial)]` need.
/// Implement it for your own type that maps to an integer column.
#[diagnostic::on_unimplemented(
    message = "`identity` and `serial` need an integer field, not `{Self}`",
    label = "not an integer column type",
    note = "use i16, i32 or i64 (or `impl retort::IntegerColumn` for a type that maps to an integer column)"
)]
pub trait IntegerColumn: ColumnType {}

impl IntegerColumn for i16 {}
impl IntegerColumn for i32 {}
impl IntegerColumn for i64 {}
impl<T: IntegerColumn> IntegerColumn for Option<T> {}

macro_rules! column_types {
    ($($ty:ty => $sql:expr),* $(,)?) => {
        $(impl ColumnType for $ty {
            fn sql_type() -> SqlType { $sql }
        })*
    };
}

column_types! {
    bool => SqlType::Boolean,
    i16 => SqlType::SmallInt,
    i32 => SqlType::Integer,
    i64 => SqlType::BigInt,
    f32 => SqlType::Real,
    f64 => SqlType::Double,
    String => SqlType::Text,
    Vec<u8> => SqlType::Blob,
}

#[cfg(feature = "chrono")]
column_types! {
    chrono::NaiveDate => SqlType::Date,
    chrono::NaiveTime => SqlType::Time,
    chrono::NaiveDateTime => SqlType::Timestamp,
    chrono::DateTime<chrono::Utc> => SqlType::TimestampTz,
    chrono::DateTime<chrono::FixedOffset> => SqlType::TimestampTz,
}

#[cfg(feature = "uuid")]
column_types! { uuid::Uuid => SqlType::Uuid }

#[cfg(feature = "json")]
column_types! { serde_json::Value => SqlType::Json }

impl<T: ColumnType> ColumnType for Option<T> {
    fn sql_type() -> SqlType {
        T::sql_type()
    }
    const NULLABLE: bool = true;
}

/// One `#[derive(Model)]`, registered with `inventory` so every linked model is known at run time.
#[derive(Debug)]
pub struct ModelRegistration {
    /// Builds the table definition.
    pub table: fn() -> Table,
    /// The table's name.
    pub table_name: &'static str,
    /// The Rust path of the struct, for error messages (`my_app::models::User`).
    pub rust_path: &'static str,
}

impl ModelRegistration {
    #[doc(hidden)]
    pub const fn new<M: Model>(rust_path: &'static str) -> Self {
        ModelRegistration {
            table: M::table,
            table_name: M::TABLE,
            rust_path,
        }
    }
}

inventory::collect!(ModelRegistration);

/// A struct that describes one view (`#[derive(View)]`): its fields are the view's columns.
/// Implemented by the derive; not meant to be implemented by hand.
pub trait ViewModel {
    /// The view's name.
    const VIEW: &'static str;
    /// The full view definition.
    fn view() -> crate::schema::View;
}

/// One `#[derive(View)]`, registered with `inventory` next to the models.
#[derive(Debug)]
pub struct ViewRegistration {
    /// Builds the view definition.
    pub view: fn() -> crate::schema::View,
    /// The view's name.
    pub view_name: &'static str,
    /// The Rust path of the struct, for error messages (`my_app::views::ActiveUser`).
    pub rust_path: &'static str,
}

impl ViewRegistration {
    #[doc(hidden)]
    pub const fn new<V: ViewModel>(rust_path: &'static str) -> Self {
        ViewRegistration {
            view: V::view,
            view_name: V::VIEW,
            rust_path,
        }
    }

    /// The module the struct is in (`my_app::views` for `my_app::views::ActiveUser`).
    pub fn module(&self) -> &'static str {
        self.rust_path
            .rsplit_once("::")
            .map_or("", |(module, _)| module)
    }
}

inventory::collect!(ViewRegistration);

/// What a [`Declaration`] declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeclarationKind {
    /// `retort::function!`: a function or procedure (PostgreSQL).
    Function,
    /// `retort::trigger!`: a trigger on a model's table (PostgreSQL, SQLite).
    Trigger,
}

/// One `retort::function!` or `retort::trigger!`: an object declared as the SQL that creates
/// it, registered with `inventory` next to the models.
#[derive(Debug)]
pub struct Declaration {
    /// What it declares.
    pub kind: DeclarationKind,
    /// The `CREATE FUNCTION` / `CREATE PROCEDURE` / `CREATE TRIGGER` statement.
    pub sql: &'static str,
    /// The module it is declared in (`module_path!()`).
    pub module: &'static str,
    /// Where it is declared, for error messages.
    pub file: &'static str,
    /// The line it is declared on.
    pub line: u32,
}

impl Declaration {
    #[doc(hidden)]
    pub const fn new(
        kind: DeclarationKind,
        sql: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
    ) -> Self {
        Declaration {
            kind,
            sql,
            module,
            file,
            line,
        }
    }

    /// Where it is declared: `src/db.rs:12`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

inventory::collect!(Declaration);
