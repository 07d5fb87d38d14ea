//! The round-trip suite of `cases.rs` on MariaDB (`TEST_MYSQL_URL`): every case that runs on
//! both SQLite and PostgreSQL runs here too, through the same steps (`cases::run_all` over a
//! [`MyProject`]: before -> autogenerate -> upgrade -> seed -> after -> autogenerate ->
//! upgrade -> `check` clean -> rows kept -> downgrade -1 -> schema and rows as before ->
//! upgrade again), its SQL snapshot-tested as `<case>@mariadb`. The cases MariaDB cannot run
//! are listed in [`NOT_ON_MARIADB`] with what their failure says and why: such a case must
//! fail saying exactly that (most are refusals of what MariaDB cannot hold, with the reason),
//! and an entry that passes fails the test, so the list only shrinks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use retort::schema::Schema;

use crate::cases::{run_all, CaseProject};
use crate::mariadb_support::MyProject;
use crate::support::Models;

const TEXT_KEY: &str = "MariaDB keys a TEXT, BLOB or JSON column only by a prefix";
const PARTIAL: &str = "MariaDB has no partial indexes";
/// A TEXT column indexed without a prefix (the other backends cannot declare one; `mariadb.rs`
/// has the same cases with prefixes).
const TEXT_INDEX: &str = "declare the index on the struct with a prefix length";

/// Cases of both other backends that MariaDB does not run: (name, what the failure says, why).
const NOT_ON_MARIADB: &[(&str, &str, &str)] = &[
    (
        "adoption::add_not_valid_checks",
        "has no NOT VALID",
        "refused: no NOT VALID",
    ),
    (
        "adoption::ignored_index_is_kept",
        "You have an error in your SQL syntax",
        "its seed creates an expression index, which MariaDB 10.11 has not",
    ),
    (
        "basics::change_primary_key",
        TEXT_KEY,
        "a TEXT column joins the key",
    ),
    (
        "basics::widen_index",
        TEXT_KEY,
        "an index over two TEXT columns",
    ),
    (
        "constraints::add_composite_deferrable_foreign_key",
        TEXT_KEY,
        "a unique index of a TEXT and the AUTO_INCREMENT key (and deferrable keys)",
    ),
    (
        "constraints::add_index_properties",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::change_index_predicate",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::declared_index_properties_are_no_change",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "constraints::reorder_primary_key_under_a_foreign_key",
        TEXT_KEY,
        "TEXT key columns",
    ),
    (
        "constraints::widen_primary_key_under_a_foreign_key",
        TEXT_KEY,
        "TEXT key columns",
    ),
    (
        "enums::enum_in_index_predicate_and_check",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "enums::new_label_in_a_new_index_predicate",
        PARTIAL,
        "refused: partial index",
    ),
    (
        "naming::custom_convention",
        TEXT_KEY,
        "an index over a TEXT and another column",
    ),
    (
        "naming::primary_key_changed_under_pk_template",
        TEXT_KEY,
        "a TEXT column joins the key",
    ),
    (
        "primary_keys::key_in_another_order_than_the_fields",
        TEXT_KEY,
        "a TEXT key column",
    ),
    (
        "adoption::rename_odd_names",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "basics::add_index",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::add_prefix_index)",
    ),
    (
        "basics::many_changes_at_once",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "basics::rename_index",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::rename_prefix_index)",
    ),
    (
        "naming::convention_changed",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix",
    ),
    (
        "renames::rename_column",
        TEXT_INDEX,
        "a TEXT column indexed without a prefix (mariadb::rename_column_under_prefix_index)",
    ),
];

#[test]
fn mariadb_cases() {
    if crate::mariadb_support::mariadb_url().is_none() {
        return;
    }
    run_all("mariadb", 3, NOT_ON_MARIADB, || {
        MyProject::new().expect("MariaDB available")
    });
}

impl CaseProject for MyProject {
    fn label(&self) -> &'static str {
        "mariadb"
    }
    fn command(&self, args: &[&str]) -> Command {
        MyProject::command(self, Models::Cases.exe(), args)
    }
    fn configure(&self, extra: &str) {
        MyProject::configure(self, extra);
    }
    fn seed(&self, sql: &str) {
        // The seeds quote identifiers in double quotes, as standard SQL does.
        self.execute(&format!(
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES'); {sql}"
        ));
    }
    fn schema(&self) -> Schema {
        MyProject::schema(self)
    }
    /// `QUOTE` keeps NULL distinct from 'NULL'.
    fn rows(&self, schema: &Schema) -> BTreeMap<String, Vec<String>> {
        schema
            .tables
            .values()
            .map(|table| {
                let row: Vec<String> = table
                    .columns
                    .iter()
                    .map(|c| format!("QUOTE({})", quote(&c.name)))
                    .collect();
                let sql = format!(
                    "SELECT CAST(CONCAT_WS('|', {}) AS CHAR) AS v FROM {}",
                    row.join(", "),
                    quote(&table.name)
                );
                let mut values: Vec<String> = self.strings(&sql).into_iter().flatten().collect();
                values.sort();
                (table.name.clone(), values)
            })
            .collect()
    }
    fn count(&self, table: &str) -> usize {
        self.strings(&format!(
            "SELECT CAST(COUNT(*) AS CHAR) AS v FROM {}",
            quote(table)
        ))[0]
            .as_deref()
            .expect("a count")
            .parse()
            .expect("a number")
    }
    fn revision_dirs(&self) -> Vec<PathBuf> {
        MyProject::revision_dirs(self)
    }
    /// MariaDB commits each DDL statement: a failed upgrade may leave what ran before it.
    fn failed_upgrade_rolls_back(&self) -> bool {
        false
    }
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
