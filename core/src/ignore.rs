//! Tables the models do not own: `ignore` globs (`audit_*`, `legacy`) from Retort.toml and
//! `--ignore`. An ignored table is left out of every comparison, so autogenerate never creates,
//! alters or drops it and `check` never reports it; a baseline does not create it. The
//! migration bookkeeping tables are always left out (see
//! [`crate::backend::INTERNAL_TABLES`]).
//!
//! The same globs name the other objects the models own, by their names: an index, a unique or
//! check constraint of a modelled table that a glob matches is kept as the database has it
//! (copied into the models' side of the comparison, [`Ignore::keep_objects`]), so autogenerate
//! never drops, re-creates or reports it, and a SQLite table rebuild keeps it. A view whose
//! name a glob matches is left out of the live schema (inspect writes no declaration for it),
//! and a model view (`#[derive(View)]`) that one matches is an error.
//!
//! Globs are matched against the whole table name, case-sensitively: `*` any run of
//! characters, `?` one character, `[abc]`/`[!abc]` a character class (the `glob` crate's
//! `Pattern`, which has no dependencies).

use crate::ops::Op;
use crate::schema::{Schema, Table};

/// An `ignore` glob that cannot be parsed, or a model table that an `ignore` glob matches.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IgnoreError {
    /// The glob does not parse.
    #[error("ignore glob `{glob}` is invalid: {reason}; use `*`, `?` and `[...]`")]
    Invalid {
        /// The glob as written.
        glob: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A table the models declare is also ignored.
    #[error("model table '{table}' matches the ignore glob `{glob}`: a table is either owned by the models or ignored; remove the model, or narrow the glob")]
    ModelIgnored {
        /// The model's table.
        table: String,
        /// The glob that matches it.
        glob: String,
    },
    /// A function or trigger the models declare (`retort::function!`, `retort::trigger!`) is
    /// also ignored.
    #[error("model {what} matches the ignore glob `{glob}`: it is either declared by the models (retort::function!, retort::trigger!) or ignored; remove the declaration, or narrow the glob")]
    DeclarationIgnored {
        /// What it is: `function 'f(integer)'`, `trigger 't' on 'items'`.
        what: String,
        /// The glob that matches it.
        glob: String,
    },
    /// A view the models declare (`#[derive(View)]`) is also ignored.
    #[error("model view '{view}' matches the ignore glob `{glob}`: a view is either declared by the models (#[derive(View)]) or ignored; remove the declaration, or narrow the glob")]
    ViewIgnored {
        /// The declared view.
        view: String,
        /// The glob that matches it.
        glob: String,
    },
    /// The plan drops a table or column that an ignored table's foreign key references: the
    /// database would refuse it (or leave a dangling key).
    #[error("{what} cannot be dropped: the ignored table '{ignored}' references it (foreign key '{fk}'), and Retort leaves ignored tables alone; drop or change that key by hand first, or stop ignoring '{ignored}'; nothing was written")]
    ReferencedByIgnored {
        /// `table 'a'` or `column 'a.b'`.
        what: String,
        /// The ignored table.
        ignored: String,
        /// Its foreign key.
        fk: String,
    },
}

/// A set of `ignore` globs.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    globs: Vec<(String, glob::Pattern)>,
}

impl Ignore {
    /// Parses every glob; the first invalid one is an error naming it.
    pub fn new<S: AsRef<str>>(globs: &[S]) -> Result<Ignore, IgnoreError> {
        let globs = globs
            .iter()
            .map(|g| {
                let g = g.as_ref();
                glob::Pattern::new(g)
                    .map(|p| (g.to_owned(), p))
                    .map_err(|e| IgnoreError::Invalid {
                        glob: g.to_owned(),
                        reason: e.msg.to_owned(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Ignore { globs })
    }

    /// True when there is no glob.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// The first glob that matches `table`, if any.
    pub fn matching(&self, table: &str) -> Option<&str> {
        self.globs
            .iter()
            .find(|(_, p)| p.matches(table))
            .map(|(g, _)| g.as_str())
    }

    /// Removes the ignored tables, views and functions from `schema` (a live schema); returns the tables'
    /// names. What depends on an ignored table or view ([`Schema::dependents`]) stays: the
    /// database would refuse to drop what it reads all the same.
    pub fn remove_from(&self, schema: &mut Schema) -> Vec<String> {
        let ignored: Vec<String> = schema
            .tables
            .keys()
            .filter(|t| self.matching(t).is_some())
            .cloned()
            .collect();
        for table in &ignored {
            schema.tables.remove(table);
        }
        schema.views.retain(|name, _| self.matching(name).is_none());
        schema.functions.retain(|_, f| !self.matches_function(f));
        ignored
    }

    /// Whether a glob matches the function's name or its signature (`f`, `f(integer)`).
    pub fn matches_function(&self, f: &crate::schema::Function) -> bool {
        self.matching(&f.name).is_some() || self.matching(&f.key()).is_some()
    }

    /// The tables of `schema` that a glob matches, as they are.
    pub fn ignored_tables(&self, schema: &Schema) -> Vec<Table> {
        schema
            .tables
            .values()
            .filter(|t| self.matching(&t.name).is_some())
            .cloned()
            .collect()
    }

    /// Refuses `ops` that drop a table, or a column, that a foreign key of one of the
    /// `ignored` tables references.
    pub fn check_plan(ops: &[Op], ignored: &[Table]) -> Result<(), IgnoreError> {
        for op in ops {
            let (table, column) = match op {
                Op::DropTable(t) => (t.name.as_str(), None),
                Op::DropColumn { table, column } => (table.as_str(), Some(column.name.as_str())),
                _ => continue,
            };
            let hit = ignored.iter().find_map(|t| {
                t.foreign_keys
                    .iter()
                    .find(|fk| {
                        fk.ref_table == table
                            && column.is_none_or(|c| fk.ref_columns.iter().any(|r| r == c))
                    })
                    .map(|fk| (t, fk))
            });
            if let Some((t, fk)) = hit {
                return Err(IgnoreError::ReferencedByIgnored {
                    what: match column {
                        None => format!("table '{table}'"),
                        Some(c) => format!("column '{table}.{c}'"),
                    },
                    ignored: t.name.clone(),
                    fk: fk.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// Refuses a model table, index, check or view that a glob matches, naming both.
    pub fn check_models(&self, models: &Schema) -> Result<(), IgnoreError> {
        if let Some((view, glob)) = models
            .views
            .keys()
            .find_map(|v| Some((v, self.matching(v)?)))
        {
            return Err(IgnoreError::ViewIgnored {
                view: view.clone(),
                glob: glob.to_owned(),
            });
        }
        if let Some((f, glob)) = models
            .functions
            .values()
            .find_map(|f| Some((f, self.matching(&f.name).or(self.matching(&f.key()))?)))
        {
            return Err(IgnoreError::DeclarationIgnored {
                what: format!("{} '{}'", f.kind(), f.key()),
                glob: glob.to_owned(),
            });
        }
        for (name, view) in &models.views {
            for k in view.triggers.iter().filter(|k| k.is_owned()) {
                let trigger = k.trigger_name().unwrap_or_default();
                if let Some(glob) = self.matching(trigger) {
                    return Err(IgnoreError::DeclarationIgnored {
                        what: format!("trigger '{trigger}' on '{name}'"),
                        glob: glob.to_owned(),
                    });
                }
            }
        }
        for (name, table) in &models.tables {
            for k in table
                .unmodeled
                .iter()
                .filter(|k| crate::diff::routines::is_declared_trigger(k))
            {
                let trigger = k.trigger_name().unwrap_or_default();
                if let Some(glob) = self.matching(trigger) {
                    return Err(IgnoreError::DeclarationIgnored {
                        what: format!("trigger '{trigger}' on '{name}'"),
                        glob: glob.to_owned(),
                    });
                }
            }
            if let Some(glob) = self.matching(name) {
                return Err(IgnoreError::ModelIgnored {
                    table: name.clone(),
                    glob: glob.to_owned(),
                });
            }
            for object in object_names(table) {
                if let Some(glob) = self.matching(&object) {
                    return Err(IgnoreError::ModelIgnored {
                        table: format!("{name}' object '{object}"),
                        glob: glob.to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// `target` with the indexes and constraints of `current`'s tables that a glob matches
    /// (by name) put into the same tables, exactly as the database has them: the comparison
    /// then leaves them alone.
    pub fn keep_objects(&self, current: &Schema, target: &Schema) -> Schema {
        let mut target = target.clone();
        self.keep_objects_in(current, &mut target);
        target
    }

    /// [`Ignore::keep_objects`], putting them into `target` itself.
    pub fn keep_objects_in(&self, current: &Schema, target: &mut Schema) {
        if self.is_empty() {
            return;
        }
        for (name, have) in &current.tables {
            let Some(want) = target.tables.get_mut(name) else {
                continue;
            };
            for index in &have.indexes {
                if self.matching(&index.name).is_some()
                    && !want.indexes.iter().any(|i| i.name == index.name)
                {
                    want.indexes.push(index.clone());
                }
            }
            for definition in &have.unmodeled {
                let Some(named) = definition.owned_name().or(definition.trigger_name()) else {
                    continue;
                };
                if self.matching(named).is_some() && !want.unmodeled.contains(definition) {
                    want.unmodeled.push(definition.clone());
                }
            }
            for constraint in &have.table_constraints {
                if constraint
                    .check_name()
                    .is_some_and(|n| self.matching(n).is_some())
                    && !want.table_constraints.contains(constraint)
                {
                    want.table_constraints.push(constraint.clone());
                }
            }
            want.canonicalize();
        }
        // A view's triggers, by name.
        for (name, have) in &current.views {
            let Some(want) = target.views.get_mut(name) else {
                continue;
            };
            for trigger in &have.triggers {
                let named = trigger.trigger_name().unwrap_or_default();
                if self.matching(named).is_some()
                    && !want
                        .triggers
                        .iter()
                        .any(|k| k.trigger_name() == Some(named))
                {
                    want.triggers.push(trigger.clone());
                }
            }
        }
    }
}

/// The names of a model table's indexes and checks.
fn object_names(table: &Table) -> Vec<String> {
    table
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .chain(
            table
                .table_constraints
                .iter()
                .filter_map(|c| c.check_name().map(str::to_owned)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Table;

    #[test]
    fn globs_match_whole_names() {
        let ignore = Ignore::new(&["audit_*", "legacy", "tmp?"]).unwrap();
        assert_eq!(ignore.matching("audit_log"), Some("audit_*"));
        assert_eq!(ignore.matching("legacy"), Some("legacy"));
        assert_eq!(ignore.matching("legacy_users"), None);
        assert_eq!(ignore.matching("tmp1"), Some("tmp?"));
        assert_eq!(ignore.matching("my_audit_log"), None);
        let mut schema = Schema::default();
        for t in ["audit_log", "users", "legacy"] {
            schema.tables.insert(t.into(), Table::new(t));
        }
        assert_eq!(ignore.remove_from(&mut schema), ["audit_log", "legacy"]);
        assert_eq!(schema.tables.keys().collect::<Vec<_>>(), ["users"]);
        schema
            .tables
            .insert("audit_x".into(), Table::new("audit_x"));
        assert_eq!(
            ignore.check_models(&schema).unwrap_err().to_string(),
            "model table 'audit_x' matches the ignore glob `audit_*`: a table is either owned \
             by the models or ignored; remove the model, or narrow the glob"
        );
        // Views too: a live one is left out, a declared one is an error.
        schema.views.insert(
            "audit_v".into(),
            crate::sql::view("audit_v", "SELECT 1", false),
        );
        schema.tables.remove("audit_x");
        let err = ignore.check_models(&schema).unwrap_err().to_string();
        assert!(
            err.starts_with("model view 'audit_v' matches the ignore glob `audit_*`"),
            "{err}"
        );
        ignore.remove_from(&mut schema);
        assert!(schema.views.is_empty());
        let err = Ignore::new(&["[a"]).unwrap_err().to_string();
        assert!(err.starts_with("ignore glob `[a` is invalid: "), "{err}");
    }

    #[test]
    fn ignored_objects_are_kept_and_cannot_be_declared() {
        let ignore = Ignore::new(&["legacy_*"]).unwrap();
        let mut live = Table::new("users");
        live.indexes.push(crate::schema::Index {
            name: "legacy_users_email".into(),
            columns: vec!["email".into()],
            ..Default::default()
        });
        live.unmodeled
            .push("CREATE INDEX legacy_lower ON public.users USING btree (lower(email))".into());
        live.unmodeled
            .push("CREATE INDEX ix_other ON public.users USING btree (lower(name))".into());
        let mut current = Schema::default();
        current.insert(live);
        let mut models = Schema::default();
        models.insert(Table::new("users"));
        let kept = ignore.keep_objects(&current, &models);
        let users = &kept.tables["users"];
        assert_eq!(users.indexes.len(), 1);
        assert_eq!(
            users.unmodeled,
            ["CREATE INDEX legacy_lower ON public.users USING btree (lower(email))"],
            "only what a glob names is kept"
        );
        let mut declared = Table::new("users");
        declared.indexes.push(crate::schema::Index {
            name: "legacy_users_email".into(),
            columns: vec!["email".into()],
            ..Default::default()
        });
        models.insert(declared);
        let err = ignore.check_models(&models).unwrap_err().to_string();
        assert!(err.contains("'legacy_users_email'"), "{err}");
    }

    #[test]
    fn functions_match_by_name_or_signature_and_triggers_by_name() {
        let f = |name: &str, args: &str| crate::schema::Function {
            name: name.into(),
            args: args.into(),
            procedure: false,
            sql: String::new(),
            definition: String::new(),
            interface: String::new(),
            comment: None,
            used_by: Vec::new(),
        };
        let mut live = Schema::default();
        for g in [f("ov", "integer"), f("ov", "text"), f("other", "")] {
            live.functions.insert(g.key(), g);
        }
        Ignore::new(&["ov(integer)"])
            .unwrap()
            .remove_from(&mut live);
        let left: Vec<&String> = live.functions.keys().collect();
        assert_eq!(left, ["other()", "ov(text)"]);
        let mut models = Schema::default();
        let mut t = Table::new("items");
        t.unmodeled.push(
            crate::sql::declared_trigger(
                "CREATE TRIGGER legacy_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION f()",
            )
            .unwrap(),
        );
        models.insert(t);
        let err = Ignore::new(&["legacy_*"])
            .unwrap()
            .check_models(&models)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "model trigger 'legacy_touch' on 'items' matches the ignore glob `legacy_*`"
            ),
            "{err}"
        );
    }
}
