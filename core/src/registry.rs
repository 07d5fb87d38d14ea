//! Every `#[derive(Model)]` linked into the binary, collected through `inventory`.

use std::collections::BTreeMap;

use crate::model::{Declaration, DeclarationKind, ModelRegistration, ViewRegistration};
use crate::schema::Schema;

/// A problem with the set of registered models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    #[error("no models are registered in this binary; derive `retort::Model` on your structs, and if they live in another crate, link it: `retort::link_models!(my_models);` in main.rs, or at the top of the test file that calls `retort::testing`")]
    /// No `#[derive(Model)]` is linked into the binary (or none was passed to [`schema_of`]).
    Empty,
    #[error("table `{table}` is declared by two models, {first} and {second}; rename one with #[model(table = \"...\")]")]
    /// Two models declare the same table.
    DuplicateTable {
        /// The table name both models declare.
        table: String,
        /// Rust path of the model that claimed the table first (`my_app::models::User`).
        first: String,
        /// Rust path of the other model.
        second: String,
    },
    #[error("{model}: foreign key on `{table}.{column}` references `{target}`, which {problem}")]
    /// A foreign key targets an unknown table or column, or columns neither primary key nor unique.
    BadReference {
        /// Rust path of the model that declares the foreign key.
        model: String,
        /// Table that holds the foreign key.
        table: String,
        /// The foreign key's columns, comma-separated.
        column: String,
        /// The referenced `table.columns` (columns comma-separated).
        target: String,
        /// What is wrong with the target, completing the sentence "which ...".
        problem: String,
    },
    #[error("{model}: index `{index}` names column `{column}`, which `{table}` does not have")]
    /// An index names a column its table does not have.
    BadIndex {
        /// Rust path of the model that declares the index.
        model: String,
        /// Table the index is on.
        table: String,
        /// Name of the index.
        index: String,
        /// The column the table lacks.
        column: String,
    },
    #[error("{model}: {problem}")]
    /// The naming convention cannot name the model's constraints, or a name the model gives is
    /// too long (see `naming::apply`).
    Naming {
        /// Rust path of the model.
        model: String,
        /// What is wrong, and the fix.
        problem: crate::naming::NamingError,
    },
    #[error("view `{name}` is declared by {first} and {second}; a view's name must be no other view's or table's: rename one with #[view(name = \"...\")]")]
    /// Two views, or a view and a table, have the same name.
    DuplicateView {
        /// The name both declare.
        name: String,
        /// Rust path of the first declaration.
        first: String,
        /// Rust path of the other.
        second: String,
    },
    #[error("{what} declared at {at}: {problem}")]
    /// A `retort::function!` or `retort::trigger!` that cannot be the models': its statement
    /// names no function or trigger, its table is no model's, or another declaration has its
    /// name.
    Declaration {
        /// What it declares (`function`, `trigger 'name'`).
        what: String,
        /// Where it is declared (`src/db.rs:12`).
        at: String,
        /// What is wrong, and the fix.
        problem: String,
    },
    #[error("enum type `{name}` has labels {first} but {second}; give one Rust enum another #[db_enum(name = \"...\")]")]
    /// Two columns use an enum type of the same name with different labels.
    ConflictingEnum {
        /// The enum type's name.
        name: String,
        /// The labels of the first column using it, and where: `(a, b) in `t.c``.
        first: String,
        /// The other column's labels, and where.
        second: String,
    },
}

/// The registered models, sorted by table name (inventory promises no order).
pub fn models() -> Vec<&'static ModelRegistration> {
    let mut all: Vec<&'static ModelRegistration> =
        inventory::iter::<ModelRegistration>.into_iter().collect();
    all.sort_by(|a, b| (a.table_name, a.rust_path).cmp(&(b.table_name, b.rust_path)));
    all
}

/// The registered views (`#[derive(View)]`), sorted by name.
pub fn views() -> Vec<&'static ViewRegistration> {
    let mut all: Vec<&'static ViewRegistration> =
        inventory::iter::<ViewRegistration>.into_iter().collect();
    all.sort_by(|a, b| (a.view_name, a.rust_path).cmp(&(b.view_name, b.rust_path)));
    all
}

/// The registered `retort::function!` and `retort::trigger!` declarations, in a stable order
/// (kind, then where they are written: file and line).
pub fn declarations() -> Vec<&'static Declaration> {
    let mut all: Vec<&'static Declaration> = inventory::iter::<Declaration>.into_iter().collect();
    // In the order they are written (file, then line): triggers of one table that fire at the
    // same time are created in it, the order they fire in on MariaDB.
    all.sort_by(|a, b| (a.kind, a.file, a.line, a.sql).cmp(&(b.kind, b.file, b.line, b.sql)));
    all
}

/// The schema the registered models describe, validated across models, with the default
/// naming convention ([`schema_with`] takes another).
pub fn schema() -> Result<Schema, RegistryError> {
    schema_of(&models())
}

/// The schema of the given models, validated: one model per table, references to existing
/// tables and columns, index columns that exist; the constraints the models do not name follow
/// the default naming convention ([`schema_with`] takes the project's).
pub fn schema_of(models: &[&ModelRegistration]) -> Result<Schema, RegistryError> {
    schema_with(models, &crate::naming::Convention::default())
}

/// [`schema_of`], naming the constraints the models do not name after `convention`
/// (Retort.toml's `[naming]`, see [`crate::Convention`]), with every registered view
/// ([`views`]).
pub fn schema_with(
    models: &[&ModelRegistration],
    convention: &crate::naming::Convention,
) -> Result<Schema, RegistryError> {
    schema_with_objects(models, &views(), &declarations(), convention)
}

/// [`schema_with`] with the given views only, and the functions and triggers declared in the
/// modules of those models and views.
pub fn schema_with_views(
    models: &[&ModelRegistration],
    views: &[&ViewRegistration],
    convention: &crate::naming::Convention,
) -> Result<Schema, RegistryError> {
    let module = |path: &'static str| path.rsplit_once("::").map_or("", |(m, _)| m);
    let modules: Vec<&str> = models
        .iter()
        .map(|m| module(m.rust_path))
        .chain(views.iter().map(|v| v.module()))
        .collect();
    let declared: Vec<&Declaration> = declarations()
        .into_iter()
        .filter(|d| modules.contains(&d.module))
        .collect();
    schema_with_objects(models, views, &declared, convention)
}

/// [`schema_with`] with the given views, functions and triggers only.
pub fn schema_with_objects(
    models: &[&ModelRegistration],
    views: &[&ViewRegistration],
    declared: &[&Declaration],
    convention: &crate::naming::Convention,
) -> Result<Schema, RegistryError> {
    let mut schema = tables_with(models, convention)?;
    let mut owners: BTreeMap<String, &str> = models
        .iter()
        .map(|m| (m.table_name.to_owned(), m.rust_path))
        .collect();
    for v in views {
        let view = (v.view)();
        let taken = owners
            .get(&view.name)
            .copied()
            .or_else(|| schema.tables.contains_key(&view.name).then_some("a model"));
        if let Some(first) = taken {
            return Err(RegistryError::DuplicateView {
                name: view.name,
                first: first.to_owned(),
                second: v.rust_path.to_owned(),
            });
        }
        owners.insert(view.name.clone(), v.rust_path);
        schema.views.insert(view.name.clone(), view);
    }
    for d in declared {
        let count = crate::sql::statements(d.sql).len();
        if count > 1 {
            return Err(RegistryError::Declaration {
                what: match d.kind {
                    DeclarationKind::Function => "function".to_owned(),
                    DeclarationKind::Trigger => "trigger".to_owned(),
                },
                at: d.at(),
                problem: format!(
                    "its literal holds {count} statements; a declaration is the one statement \
                     that creates it (anything else goes in a revision: `retort revision -m \"...\"`)"
                ),
            });
        }
        match d.kind {
            DeclarationKind::Function => add_function(&mut schema, d)?,
            DeclarationKind::Trigger => add_trigger(&mut schema, d)?,
        }
    }
    Ok(schema)
}

/// A `retort::function!` into `schema.functions`.
fn add_function(schema: &mut Schema, d: &Declaration) -> Result<(), RegistryError> {
    let error = |what: String, problem: String| RegistryError::Declaration {
        what,
        at: d.at(),
        problem,
    };
    let Some(h) = crate::sql::function_header(d.sql) else {
        return Err(error(
            "function".to_owned(),
            "its statement is not `CREATE [OR REPLACE] FUNCTION name(...) ...` (or PROCEDURE)"
                .to_owned(),
        ));
    };
    let function = crate::schema::Function {
        name: crate::schema::qualified_name(h.schema.as_deref(), &h.name),
        args: crate::sql::comparable(&h.args),
        procedure: h.procedure,
        sql: crate::schema::trim_query(d.sql),
        definition: crate::sql::routine_comparable(d.sql),
        interface: String::new(),
        comment: None,
        used_by: Vec::new(),
    };
    let key = function.key();
    if schema.functions.contains_key(&key) {
        return Err(error(
            format!("{} `{key}`", function.kind()),
            format!("another retort::function! declares `{key}` too; remove one"),
        ));
    }
    schema.functions.insert(key, function);
    Ok(())
}

/// A `retort::trigger!` onto its model table's kept definitions.
fn add_trigger(schema: &mut Schema, d: &Declaration) -> Result<(), RegistryError> {
    let error = |what: String, problem: String| RegistryError::Declaration {
        what,
        at: d.at(),
        problem,
    };
    let (Some(h), Some(kept)) = (
        crate::sql::trigger_header(d.sql),
        crate::sql::declared_trigger(crate::schema::trim_query(d.sql)),
    ) else {
        return Err(error(
            "trigger".to_owned(),
            "its statement is not `CREATE TRIGGER name ... ON table ...`".to_owned(),
        ));
    };
    // `ON public.t` names the model table `t` of the default schema when no model table is
    // `public.t` itself.
    let table = if schema.tables.contains_key(&h.table) {
        Some(h.table.clone())
    } else {
        let bare = crate::schema::bare_name(&h.table).to_owned();
        (bare != h.table && schema.tables.contains_key(&bare)).then_some(bare)
    };
    let what = format!("trigger `{}`", h.name);
    // A trigger on a declared view (`INSTEAD OF`): the view's.
    let view = if table.is_some() {
        None
    } else if schema.views.contains_key(&h.table) {
        Some(h.table.clone())
    } else {
        let bare = crate::schema::bare_name(&h.table).to_owned();
        (bare != h.table && schema.views.contains_key(&bare)).then_some(bare)
    };
    if let Some(view) = view {
        let v = schema.views.get_mut(&view).expect("found above");
        if v.triggers
            .iter()
            .any(|k| k.trigger_name() == Some(h.name.as_str()))
        {
            return Err(error(
                what,
                format!("view `{view}` has another declared trigger of this name; remove one"),
            ));
        }
        v.triggers.push(kept);
        return Ok(());
    }
    let Some(table) = table else {
        return Err(error(
            what,
            format!(
                "it is on table `{}`, which no model declares (nor a #[derive(View)]); a \
                 trigger is declared on a model's table or a declared view (a table or view \
                 Retort does not manage keeps its triggers by itself)",
                h.table
            ),
        ));
    };
    let t = schema.tables.get_mut(&table).expect("found above");
    if t.unmodeled
        .iter()
        .any(|k| k.trigger_name() == Some(h.name.as_str()))
    {
        return Err(error(
            what,
            format!("table `{table}` has another declared trigger of this name; remove one"),
        ));
    }
    t.unmodeled.push(kept);
    Ok(())
}

fn tables_with(
    models: &[&ModelRegistration],
    convention: &crate::naming::Convention,
) -> Result<Schema, RegistryError> {
    if models.is_empty() {
        return Err(RegistryError::Empty);
    }
    let mut owners: BTreeMap<String, &str> = BTreeMap::new();
    let mut schema = Schema::new();
    for m in models {
        let table = (m.table)();
        if let Some(first) = owners.insert(table.name.clone(), m.rust_path) {
            return Err(RegistryError::DuplicateTable {
                table: table.name,
                first: first.to_owned(),
                second: m.rust_path.to_owned(),
            });
        }
        schema.insert(table);
    }
    let mut enums: BTreeMap<&str, (String, &Vec<String>)> = BTreeMap::new();
    for (name, table) in &schema.tables {
        for column in &table.columns {
            if let crate::schema::SqlType::Enum { name: ty, labels } = &column.ty {
                let here = format!("{name}.{}", column.name);
                match enums.get(ty.as_str()) {
                    Some((first_column, first)) if *first != labels => {
                        return Err(RegistryError::ConflictingEnum {
                            name: ty.clone(),
                            first: format!("({}) in `{first_column}`", first.join(", ")),
                            second: format!("({}) in `{here}`", labels.join(", ")),
                        });
                    }
                    Some(_) => {}
                    None => {
                        enums.insert(ty, (here, labels));
                    }
                }
            }
        }
    }
    for (name, table) in &schema.tables {
        let model = owners[name].to_owned();
        for index in &table.indexes {
            for column in index.columns.iter().chain(&index.options.include) {
                if table.column(column).is_none() {
                    return Err(RegistryError::BadIndex {
                        model,
                        table: name.clone(),
                        index: index.name.clone(),
                        column: column.clone(),
                    });
                }
            }
        }
        for fk in &table.foreign_keys {
            let bad = |problem: String| RegistryError::BadReference {
                model: model.clone(),
                table: name.clone(),
                column: fk.columns.join(", "),
                target: format!("{}.{}", fk.ref_table, fk.ref_columns.join(", ")),
                problem,
            };
            let Some(target) = schema.get(&fk.ref_table) else {
                return Err(bad(format!(
                    "is not a registered model's table (known tables: {})",
                    schema.tables.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            };
            for column in &fk.ref_columns {
                if target.column(column).is_none() {
                    return Err(bad(format!("has no column `{column}`")));
                }
            }
            if fk.columns.len() != fk.ref_columns.len() {
                return Err(bad(format!(
                    "has {} column(s) for the key's {}; list as many referenced columns as referencing ones",
                    fk.ref_columns.len(),
                    fk.columns.len()
                )));
            }
            // Databases only let a foreign key point at a primary key or unique columns (a
            // unique index over expressions or with a predicate does not do).
            let keyed = target.primary_key == fk.ref_columns
                || target.indexes.iter().any(|i| {
                    i.unique
                        && i.columns == fk.ref_columns
                        && i.options.keys.is_empty()
                        && i.options.predicate.is_none()
                });
            if !keyed {
                return Err(bad(format!(
                    "is neither the primary key of `{}` nor unique; reference its primary key, or mark the column #[model(unique)] (several columns: #[model(unique(columns(...)))] on its struct)",
                    fk.ref_table
                )));
            }
        }
    }
    for (name, table) in &mut schema.tables {
        crate::naming::apply_table(table, convention).map_err(|problem| RegistryError::Naming {
            model: owners[name].to_owned(),
            problem,
        })?;
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, FkAction, ForeignKey, SqlType, Table};

    fn parents() -> Table {
        let mut t = Table::new("parents");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns.push(Column::new("code", SqlType::Text, false));
        t.primary_key = vec!["id".into()];
        t
    }

    fn children() -> Table {
        let mut t = Table::new("children");
        t.columns.push(Column::new("id", SqlType::BigInt, false));
        t.columns
            .push(Column::new("parent_code", SqlType::Text, false));
        t.primary_key = vec!["id".into()];
        t.foreign_keys.push(ForeignKey {
            name: "fk".into(),
            columns: vec!["parent_code".into()],
            ref_table: "parents".into(),
            ref_columns: vec!["code".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: Default::default(),
        });
        t
    }

    fn registration(table: fn() -> Table, name: &'static str) -> ModelRegistration {
        ModelRegistration {
            table,
            table_name: name,
            rust_path: name,
        }
    }

    #[test]
    fn references_must_target_a_key() {
        let p = registration(parents, "parents");
        let c = registration(children, "children");
        let err = schema_of(&[&p, &c]).unwrap_err().to_string();
        assert!(
            err.contains("is neither the primary key of `parents` nor unique"),
            "{err}"
        );
        fn unique_parents() -> Table {
            let mut t = parents();
            t.indexes.push(crate::schema::Index {
                name: "uq_parents_code".into(),
                columns: vec!["code".into()],
                unique: true,
                constraint: false,
                options: Default::default(),
                prefixes: Vec::new(),
            });
            t
        }
        let p = registration(unique_parents, "parents");
        assert!(schema_of(&[&p, &c]).is_ok());
    }

    #[test]
    fn composite_references_need_as_many_columns_and_a_whole_unique_key() {
        fn pair_parents() -> Table {
            let mut t = parents();
            t.indexes.push(crate::schema::Index {
                name: "uq_parents_id_code".into(),
                columns: vec!["id".into(), "code".into()],
                unique: true,
                constraint: true,
                options: crate::schema::IndexOptions {
                    predicate: Some("code <> ''".into()),
                    ..Default::default()
                },
                prefixes: Vec::new(),
            });
            t
        }
        fn pair_children(ref_columns: &[&str]) -> Table {
            let mut t = children();
            t.foreign_keys[0].columns = vec!["id".into(), "parent_code".into()];
            t.foreign_keys[0].ref_columns = ref_columns.iter().map(|c| (*c).into()).collect();
            t
        }
        let p = registration(pair_parents, "parents");
        let short = registration(|| pair_children(&["id"]), "children");
        let err = schema_of(&[&p, &short]).unwrap_err().to_string();
        assert!(err.contains("has 1 column(s) for the key's 2"), "{err}");
        let partial = registration(|| pair_children(&["id", "code"]), "children");
        let err = schema_of(&[&p, &partial]).unwrap_err().to_string();
        assert!(err.contains("nor unique"), "{err}");
        fn whole_parents() -> Table {
            let mut t = pair_parents();
            t.indexes[0].options = Default::default();
            t
        }
        let p = registration(whole_parents, "parents");
        assert!(schema_of(&[&p, &partial]).is_ok());
    }

    #[test]
    fn an_empty_registry_and_duplicate_tables_are_errors() {
        assert_eq!(schema_of(&[]).unwrap_err(), RegistryError::Empty);
        let a = registration(parents, "a");
        let b = registration(parents, "b");
        assert!(matches!(
            schema_of(&[&a, &b]).unwrap_err(),
            RegistryError::DuplicateTable { .. }
        ));
    }

    #[test]
    fn one_enum_type_name_has_one_list_of_labels() {
        fn with_mood(name: &str, labels: &[&str]) -> Table {
            let mut t = Table::new(name);
            t.columns.push(Column::new("id", SqlType::BigInt, false));
            t.primary_key = vec!["id".into()];
            t.columns.push(Column::new(
                "mood",
                crate::__private::enum_type("mood", labels),
                false,
            ));
            t
        }
        let a = registration(|| with_mood("a", &["ok", "sad"]), "a");
        let b = registration(|| with_mood("b", &["ok", "sad"]), "b");
        let c = registration(|| with_mood("c", &["sad", "ok"]), "c");
        assert!(schema_of(&[&a, &b]).is_ok());
        assert_eq!(
            schema_of(&[&a, &c]).unwrap_err().to_string(),
            "enum type `mood` has labels (ok, sad) in `a.mood` but (sad, ok) in `c.mood`; give one \
             Rust enum another #[db_enum(name = \"...\")]"
        );
    }

    fn declared(kind: DeclarationKind, sql: &'static str) -> Declaration {
        Declaration::new(kind, sql, "app::db", "src/db.rs", 7)
    }

    #[test]
    fn declarations_are_read_and_checked() {
        let p = registration(parents, "parents");
        let schema = |d: &[&Declaration]| {
            schema_with_objects(&[&p], &[], d, &crate::naming::Convention::default())
        };
        let f = declared(
            DeclarationKind::Function,
            "CREATE FUNCTION public.touch(a int) RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        );
        let t = declared(
            DeclarationKind::Trigger,
            "CREATE TRIGGER touch_parents BEFORE UPDATE ON public.parents FOR EACH ROW EXECUTE FUNCTION touch(1)",
        );
        let ok = schema(&[&f, &t]).unwrap();
        assert!(
            ok.functions.contains_key("public.touch(a int)"),
            "{:?}",
            ok.functions.keys()
        );
        assert_eq!(
            ok.tables["parents"].unmodeled[0].owned_name(),
            Some("touch_parents")
        );
        // Errors name the declaration, where it is and the fix.
        let elsewhere = declared(
            DeclarationKind::Trigger,
            "CREATE TRIGGER t AFTER INSERT ON audit FOR EACH ROW EXECUTE FUNCTION f()",
        );
        let err = schema(&[&elsewhere]).unwrap_err().to_string();
        assert!(
            err.starts_with("trigger `t` declared at src/db.rs:7: it is on table `audit`, which no model declares (nor a #[derive(View)])"),
            "{err}"
        );
        // On a declared view (`INSTEAD OF`), qualified or not: the view's.
        fn parent_names() -> crate::schema::View {
            crate::sql::view("parent_names", "SELECT id FROM parents", false)
        }
        let v = ViewRegistration {
            view: parent_names,
            view_name: "parent_names",
            rust_path: "app::db::ParentName",
        };
        let on_view = declared(
            DeclarationKind::Trigger,
            "CREATE TRIGGER ins INSTEAD OF INSERT ON public.parent_names FOR EACH ROW EXECUTE FUNCTION touch(1)",
        );
        let with_view =
            schema_with_objects(&[&p], &[&v], &[&on_view], &Default::default()).unwrap();
        let triggers = &with_view.views["parent_names"].triggers;
        assert_eq!(triggers.len(), 1);
        assert_eq!(triggers[0].owned_name(), Some("ins"));
        let err = schema_with_objects(&[&p], &[&v], &[&on_view, &on_view], &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("view `parent_names` has another declared trigger of this name"),
            "{err}"
        );
        let err = schema(&[&f, &f]).unwrap_err().to_string();
        assert!(
            err.contains("another retort::function! declares `public.touch(a int)` too"),
            "{err}"
        );
        let err = schema(&[&t, &t]).unwrap_err().to_string();
        assert!(
            err.contains("has another declared trigger of this name"),
            "{err}"
        );
        let two = declared(
            DeclarationKind::Function,
            "CREATE FUNCTION two() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2 $$; DROP TABLE tags",
        );
        let err = schema(&[&two]).unwrap_err().to_string();
        assert!(err.contains("its literal holds 2 statements"), "{err}");
        // A SQLite trigger's body and a trailing `;` are one statement.
        let body = declared(
            DeclarationKind::Trigger,
            "CREATE TRIGGER b AFTER INSERT ON parents BEGIN UPDATE parents SET code = 'x'; SELECT 1; END;",
        );
        assert!(schema(&[&body]).is_ok());
        let bad = declared(DeclarationKind::Function, "CREATE FUNCTION");
        let err = schema(&[&bad]).unwrap_err().to_string();
        assert!(
            err.contains("is not `CREATE [OR REPLACE] FUNCTION name(...) ...`"),
            "{err}"
        );
    }
}
