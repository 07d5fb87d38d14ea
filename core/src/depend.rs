//! Refusing, at autogenerate time, the ops the database would refuse at upgrade time because an
//! object the models do not own depends on what they drop or rewrite.
//!
//! PostgreSQL will not drop a table a view reads, nor drop or retype a column a view, a rule or
//! a trigger's condition uses (short of `CASCADE`, which would silently drop the dependent
//! object too). Introspection reads those dependencies from the server's own catalog
//! (`pg_depend`) into [`Schema::dependents`]; [`check`] finds every op of a plan that such an
//! object blocks, so `autogenerate` stops with all of them (exit 2, nothing written) instead of
//! writing a migration that fails half-way.

use std::fmt;

use crate::dialect::Dialect;
use crate::ops::Op;
use crate::schema::{Dependent, Schema};

/// One op of a plan that a dependent object blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The op, as `check` and `autogenerate` print it.
    pub op: String,
    /// The object that depends on what the op drops or rewrites.
    pub dependent: Dependent,
    /// The function the dependent uses, when the op drops a function (`f(integer)`).
    pub function: Option<String>,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.dependent;
        if d.kind.ends_with(" name") {
            // A name another object takes ([`Schema::occupied`]).
            let kind = d.kind.trim_end_matches(" name");
            return write!(
                f,
                "{}: a {kind} named '{}' exists (Retort keeps it, it is not the models')",
                self.op, d.name
            );
        }
        if d.kind == "declared trigger" {
            let on = match &d.column {
                Some(c) => format!("column '{}.{c}'", d.table),
                None => format!("table '{}'", d.table),
            };
            return write!(
                f,
                "{}: the models' trigger '{}' (retort::trigger!) names {on}; change or remove \
                 its declaration",
                self.op, d.name
            );
        }
        if let Some(function) = &self.function {
            let what = match d.kind.as_str() {
                "default" => format!("the default of column '{}'", d.name),
                "trigger" => format!("trigger '{}'", d.name),
                "view" => format!("view '{}'", d.name),
                kind => format!("{kind} '{}' on '{}'", d.name, d.table),
            };
            return write!(f, "{}: {what} uses {function}", self.op);
        }
        let on = match &d.column {
            Some(c) => format!("column '{}.{c}'", d.table),
            None => format!("table '{}'", d.table),
        };
        write!(f, "{}: {} '{}' depends on {on}", self.op, d.kind, d.name)
    }
}

/// Ops the database would refuse because something the models do not own depends on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the migration would fail: {}; nothing was written. {}", blocked.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "), self.advice())]
pub struct DependencyError {
    /// Every blocked op, with what blocks it.
    pub blocked: Vec<Blocked>,
}

impl DependencyError {
    /// What to do: change the declarations when only the models' own triggers block;
    /// otherwise drop or change the objects by hand (and how a view or trigger the models
    /// stopped declaring goes).
    fn advice(&self) -> String {
        if self
            .blocked
            .iter()
            .all(|b| b.dependent.kind == "declared trigger")
        {
            return "Change or remove those declarations, then autogenerate again".to_owned();
        }
        let mut advice = format!(
            "Drop or change the dependent objects first, in a hand-written revision (`{}`), \
             then autogenerate again",
            crate::invocation::command("revision -m \"...\"")
        );
        if self
            .blocked
            .iter()
            .any(|b| matches!(b.dependent.kind.as_str(), "view" | "trigger"))
        {
            advice.push_str(
                " (a view or trigger no declaration names is left in the database, even one \
                 the models used to declare; with `objects = \"owned\"` in Retort.toml the \
                 models own every one, and autogenerate drops those they do not declare)",
            );
        }
        advice
    }
}

/// Every op of `ops` that an object depending on the `current` schema blocks, on the backend
/// of `dialect`.
pub fn blocked(ops: &[Op], current: &Schema, dialect: &dyn Dialect) -> Vec<Blocked> {
    // A trigger goes with its own table: when the plan drops that table too, it blocks nothing.
    let dropped: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropTable(t) => Some(format!(" on {}", t.name)),
            _ => None,
        })
        .collect();
    // A kept index or constraint the plan itself drops first blocks nothing either.
    let dropped_definitions: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropDefinition { definition, .. } => definition.owned_name().map(str::to_owned),
            _ => None,
        })
        .collect();
    // A trigger the models declare, which the plan drops first (and creates again after).
    let dropped_triggers: Vec<String> = ops
        .iter()
        .filter_map(|op| match op {
            Op::DropDefinition { table, definition } => definition
                .trigger_name()
                .map(|name| format!("{name} on {table}")),
            _ => None,
        })
        .collect();
    let gone = |d: &Dependent| {
        (d.kind == "trigger"
            && (dropped.iter().any(|on| d.name.ends_with(on)) || dropped_triggers.contains(&d.name)))
            // A view of the models that the plan drops first (and creates again after).
            || ((d.kind == "view" || d.kind == "materialized view")
                && crate::diff::views::dropped_by(ops, &d.name))
            || ((d.kind == "index" || d.kind == "constraint")
                && dropped_definitions.contains(&d.name))
    };
    let mut blocked: Vec<Blocked> = Vec::new();
    // A table cannot take a name a view (or another relation the models do not own) has.
    for op in ops {
        let name = match op {
            Op::CreateTable(t) => &t.name,
            Op::RenameTable { to, .. } => to,
            _ => continue,
        };
        if let Some(kind) = current.occupied.get(name) {
            blocked.push(Blocked {
                op: op.to_string(),
                dependent: Dependent {
                    table: name.clone(),
                    column: None,
                    kind: format!("{kind} name"),
                    name: name.clone(),
                    blocks_type_change: false,
                },
                function: None,
            });
        }
    }
    blocked.extend(function_users(ops, current));
    for op in ops {
        let hits: Vec<&Dependent> = match op {
            // The table's own triggers go with it; anything else that reads it blocks.
            Op::DropTable(t) => {
                let own = format!(" on {}", t.name);
                current
                    .dependents
                    .iter()
                    .filter(|d| d.table == t.name && !own_object(d, &own))
                    .collect()
            }
            Op::DropColumn { table, column } => on_column(current, table, &column.name)
                .into_iter()
                .collect(),
            Op::AlterColumn { table, from, to, .. } if from.ty != to.ty => {
                on_column(current, table, &from.name)
                    .into_iter()
                    .filter(|d| {
                        d.blocks_type_change
                            && !(kept(d) && dialect.keeps_expressions_across(&from.ty, &to.ty))
                    })
                    .collect()
            }
            // A change that converts every column of the type (PostgreSQL: a label removed or
            // reordered swaps the type): an object over such a column blocks the conversion.
            Op::AlterEnum { name, from, to } if dialect.enum_change_converts_columns(from, to) => {
                current
                    .tables
                    .values()
                    .flat_map(|t| {
                        t.columns
                            .iter()
                            .filter(|c| {
                                matches!(&c.ty, crate::schema::SqlType::Enum { name: n, .. } if n == name)
                            })
                            .flat_map(|c| on_column(current, &t.name, &c.name))
                    })
                    .filter(|d| d.blocks_type_change)
                    .collect()
            }
            _ => Vec::new(),
        };
        let op = op.to_string();
        for d in hits.into_iter().filter(|d| !gone(d)) {
            // Once per object and op: a view reading three columns of a dropped table is one
            // reason.
            if !blocked
                .iter()
                .any(|b| b.op == op && b.dependent.name == d.name)
            {
                blocked.push(Blocked {
                    op: op.clone(),
                    dependent: d.clone(),
                    function: None,
                });
            }
        }
    }
    blocked
}

/// The functions `ops` drop (to create them again with another interface, or because the
/// models own every function and declare none of that signature) that something the plan keeps
/// still uses (`pg_depend`: a view, trigger, column default, index or constraint not removed by
/// an earlier op): PostgreSQL refuses `DROP FUNCTION` then.
fn function_users(ops: &[Op], current: &Schema) -> Vec<Blocked> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let Op::DropFunction(f) = op else {
            continue;
        };
        let Some(live) = current.functions.get(&f.key()) else {
            continue;
        };
        let earlier = &ops[..i];
        for d in &live.used_by {
            if !removed_by(earlier, d) {
                out.push(Blocked {
                    op: op.to_string(),
                    dependent: d.clone(),
                    function: Some(format!("{} '{}'", f.kind(), f.key())),
                });
            }
        }
    }
    out
}

/// Whether one of `ops` removes the object `d` (a function's user) first.
fn removed_by(ops: &[Op], d: &Dependent) -> bool {
    let bare = |name: &str| crate::schema::bare_name(name).to_owned();
    ops.iter().any(|op| match op {
        Op::DropTable(t) => bare(&t.name) == d.table,
        Op::DropView(v) => d.kind == "view" && bare(&v.name) == d.name,
        Op::DropColumn { table, column } => {
            bare(table) == d.table && d.column.as_deref() == Some(column.name.as_str())
        }
        Op::AlterColumn {
            table, from, to, ..
        } => {
            d.kind == "default"
                && bare(table) == d.table
                && d.column.as_deref() == Some(from.name.as_str())
                && from.default != to.default
        }
        Op::DropDefinition { table, definition } => {
            bare(table) == d.table
                && match definition.trigger_name() {
                    Some(t) => d.kind == "trigger" && d.name == format!("{t} on {}", d.table),
                    None => definition.owned_name() == Some(d.name.as_str()),
                }
        }
        Op::DropIndex { table, index } => bare(table) == d.table && index.name == d.name,
        Op::DropTableConstraint { table, constraint } => {
            bare(table) == d.table && constraint.check_name() == Some(d.name.as_str())
        }
        _ => false,
    })
}

/// The ops of `ops` that drop a table or column a trigger the models declare (`target`'s)
/// still names: the database would keep a trigger that fails on its next row (SQLite does not
/// check a trigger's body until it runs) or refuse the drop.
pub fn check_declared(ops: &[Op], target: &Schema) -> Result<(), DependencyError> {
    let mut blocked = Vec::new();
    for op in ops {
        let (table, column) = match op {
            Op::DropTable(t) => (t.name.as_str(), None),
            Op::DropColumn { table, column } => (table.as_str(), Some(column.name.as_str())),
            _ => continue,
        };
        let bare = crate::schema::bare_name(table);
        for (on, t) in &target.tables {
            for k in t
                .unmodeled
                .iter()
                .filter(|k| crate::diff::routines::is_declared_trigger(k))
            {
                let names = match column {
                    // On its own table, or naming the table.
                    Some(c) => {
                        (on == table || crate::sql::routine_mentions(k.sql(), bare))
                            && crate::sql::routine_mentions(k.sql(), c)
                    }
                    None => on != table && crate::sql::routine_mentions(k.sql(), bare),
                };
                if names {
                    blocked.push(Blocked {
                        op: op.to_string(),
                        dependent: Dependent {
                            table: table.to_owned(),
                            column: column.map(str::to_owned),
                            kind: "declared trigger".to_owned(),
                            name: format!("{} on {on}", k.trigger_name().unwrap_or_default()),
                            blocks_type_change: false,
                        },
                        function: None,
                    });
                }
            }
        }
    }
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(DependencyError { blocked })
    }
}

/// Whether `d` belongs to the table (`own` is ` on <table>`): its triggers, and the indexes,
/// constraints and statistics objects kept with it, which go with it.
fn own_object(d: &Dependent, own: &str) -> bool {
    (d.kind == "trigger" && d.name.ends_with(own))
        || matches!(d.kind.as_str(), "index" | "constraint" | "statistics")
}

/// An index or constraint kept with its table (PostgreSQL: `CHECK`, expression and other
/// special indexes). PostgreSQL rebuilds or re-checks it when a column it uses changes type:
/// within a family (numbers, strings, dates and times) its expression keeps applying
/// (`lower(col)` on `TEXT` -> `VARCHAR(n)`); across families it may not (`lower(col)` on
/// `INTEGER` fails), so such a change is refused.
fn kept(d: &Dependent) -> bool {
    d.kind == "index" || d.kind == "constraint"
}

/// Objects that use `table.column`.
fn on_column<'s>(current: &'s Schema, table: &str, column: &str) -> Vec<&'s Dependent> {
    current
        .dependents
        .iter()
        .filter(|d| d.table == table && d.column.as_deref() == Some(column))
        .collect()
}

/// `Err` with every blocked op of `ops`.
pub fn check(ops: &[Op], current: &Schema, dialect: &dyn Dialect) -> Result<(), DependencyError> {
    let blocked = blocked(ops, current, dialect);
    if blocked.is_empty() {
        Ok(())
    } else {
        Err(DependencyError { blocked })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Postgres;
    use crate::schema::{Column, SqlType, Table};

    fn schema() -> Schema {
        let mut t = Table::new("versions");
        t.columns.push(Column::new("id", SqlType::Integer, false));
        t.columns.push(Column::new("num", SqlType::Text, false));
        let mut s = Schema::new();
        s.insert(t);
        s.dependents = vec![
            Dependent {
                table: "versions".into(),
                column: Some("num".into()),
                kind: "materialized view".into(),
                name: "recent".into(),
                blocks_type_change: true,
            },
            Dependent {
                table: "versions".into(),
                column: Some("id".into()),
                kind: "trigger".into(),
                name: "touch on versions".into(),
                blocks_type_change: true,
            },
        ];
        s
    }

    #[test]
    fn drops_and_type_changes_under_a_view_are_blocked() {
        let s = schema();
        let t = s.tables["versions"].clone();
        let err = check(&[Op::DropTable(t.clone())], &s, &Postgres).unwrap_err();
        assert_eq!(err.blocked.len(), 1, "its own trigger goes with the table");
        assert!(
            err.to_string().starts_with(
                "the migration would fail: removed table 'versions': materialized view 'recent' \
                 depends on column 'versions.num'; nothing was written."
            ),
            "{err}"
        );
        let num = t.columns[1].clone();
        let mut wider = num.clone();
        wider.ty = SqlType::Varchar(10);
        let ops = [
            Op::DropColumn {
                table: "versions".into(),
                column: t.columns[0].clone(),
            },
            Op::AlterColumn {
                table: "versions".into(),
                from: num.clone(),
                to: wider,
                conversion: Default::default(),
            },
        ];
        let blocked = blocked(&ops, &s, &Postgres);
        assert_eq!(blocked.len(), 2, "{blocked:?}");
        assert_eq!(blocked[0].dependent.name, "touch on versions");
        assert_eq!(blocked[1].dependent.name, "recent");
        // PostgreSQL will not retype a column a trigger uses (`UPDATE OF id`, `WHEN`).
        let id = t.columns[0].clone();
        let mut int = id.clone();
        int.ty = SqlType::BigInt;
        let retype_id = Op::AlterColumn {
            table: "versions".into(),
            from: id,
            to: int,
            conversion: Default::default(),
        };
        let by_trigger = super::blocked(&[retype_id], &s, &Postgres);
        assert_eq!(by_trigger.len(), 1, "{by_trigger:?}");
        assert_eq!(by_trigger[0].dependent.name, "touch on versions");
        // A nullability change rewrites nothing a view reads.
        let mut nullable = num.clone();
        nullable.nullable = true;
        let op = Op::AlterColumn {
            table: "versions".into(),
            from: num,
            to: nullable,
            conversion: Default::default(),
        };
        assert!(check(&[op], &s, &Postgres).is_ok());
    }

    #[test]
    fn a_kept_index_blocks_type_changes_to_another_family_only() {
        let mut s = schema();
        s.dependents = vec![Dependent {
            table: "versions".into(),
            column: Some("num".into()),
            kind: "index".into(),
            name: "ix_versions_lower_num".into(),
            blocks_type_change: true,
        }];
        let num = s.tables["versions"].columns[1].clone();
        let alter = |ty: SqlType| {
            let mut to = num.clone();
            to.ty = ty;
            [Op::AlterColumn {
                table: "versions".into(),
                from: num.clone(),
                to,
                conversion: Default::default(),
            }]
        };
        // `lower(num)` still applies to a VARCHAR; not to an INTEGER, PostgreSQL would fail.
        assert!(check(&alter(SqlType::Varchar(20)), &s, &Postgres).is_ok());
        let err = check(&alter(SqlType::Integer), &s, &Postgres).unwrap_err();
        assert_eq!(err.blocked.len(), 1);
        assert_eq!(err.blocked[0].dependent.name, "ix_versions_lower_num");
    }

    #[test]
    fn a_view_over_an_enum_column_blocks_a_swap_but_not_an_added_label() {
        let mut s = schema();
        let mood = SqlType::Enum {
            name: "mood".into(),
            labels: vec![],
        };
        s.tables.get_mut("versions").unwrap().columns[1].ty = mood;
        let labels = |l: &[&str]| l.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let add = Op::AlterEnum {
            name: "mood".into(),
            from: labels(&["a", "b"]),
            to: labels(&["a", "c", "b"]),
        };
        assert!(check(std::slice::from_ref(&add), &s, &Postgres).is_ok());
        let err = check(&[add.reverse()], &s, &Postgres).unwrap_err();
        assert_eq!(err.blocked.len(), 1, "{err}");
        assert_eq!(err.blocked[0].dependent.name, "recent");
    }

    /// docs.rs replaced a view by a table of its name: PostgreSQL refuses the `CREATE TABLE`
    /// ("relation already exists"), so autogenerate refuses first.
    #[test]
    fn a_table_cannot_take_a_views_name() {
        let mut s = schema();
        s.occupied
            .insert("release_build_status".into(), "view".into());
        let ops = vec![Op::CreateTable(Table::new("release_build_status"))];
        let e = check(&ops, &s, &Postgres).unwrap_err();
        assert!(
            e.to_string().contains(
                "added table 'release_build_status': a view named 'release_build_status' \
                 exists (Retort keeps it, it is not the models')"
            ),
            "{e}"
        );
        assert!(check(&[Op::CreateTable(Table::new("other"))], &s, &Postgres).is_ok());
    }
}
