//! Models written by `macro_rules!`, whose values arrive as `$lit` fragments, and models in a
//! nested module.

use retort::schema::SqlType;
use retort::Model;

macro_rules! lookup_table {
    ($name:ident, $table:literal, $len:literal, $default:literal) => {
        #[derive(Model)]
        #[model(table = $table)]
        pub struct $name {
            pub id: i32,
            #[model(max_length = $len, default = $default, unique)]
            pub label: String,
        }
    };
}

lookup_table!(Colour, "colours", 20, "'red'");
lookup_table!(Size, "sizes", 4, "'M'");

mod inner {
    #[derive(retort::Model)]
    pub struct Item {
        pub id: i64,
        #[model(references = "colours.id")]
        pub colour_id: i32,
    }
}

fn main() {
    assert_eq!(Colour::TABLE, "colours");
    assert_eq!(Size::TABLE, "sizes");
    let label = Size::table().column("label").cloned().unwrap();
    assert_eq!(label.ty, SqlType::Varchar(4));
    assert_eq!(label.default.as_deref(), Some("'M'"));

    assert_eq!(<inner::Item as Model>::TABLE, "items");

    let mut paths: Vec<&str> = retort::__private::inventory::iter::<retort::ModelRegistration>
        .into_iter()
        .map(|r| r.rust_path)
        .collect();
    paths.sort_unstable();
    assert_eq!(paths.len(), 3);
    assert!(
        paths.iter().any(|p| p.ends_with("::inner::Item")),
        "{paths:?}"
    );
}
