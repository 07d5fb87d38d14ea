//! `check`: models vs migrations vs database.

use std::io::Write;

use retort::{autogen, registry, runner};

use crate::Settings;

pub(crate) fn check(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<u8> {
    let target = registry::schema()?;
    let scripts = settings.scripts()?;
    let mut conn = settings.connect(false)?;
    let applied = runner::applied(&mut conn, &scripts)?;
    let pending = scripts.graph().upgrade_plan(&applied, "heads")?;
    if !pending.is_empty() {
        writeln!(
            out,
            "Database is not at head: {} revision(s) not applied ({}); run `retort upgrade head`",
            pending.len(),
            pending.join(", ")
        )?;
        return Ok(1);
    }
    let plan = autogen::plan(&mut conn, &target)?;
    if plan.is_empty() {
        let heads = scripts.graph().heads();
        let at = if heads.is_empty() {
            "base".to_owned()
        } else {
            heads.join(", ")
        };
        writeln!(
            out,
            "No changes detected: the database is at {at} and matches the models"
        )?;
        return Ok(0);
    }
    writeln!(
        out,
        "The models differ from the database; a new migration would contain:"
    )?;
    for op in &plan.ops {
        writeln!(out, "  {op}")?;
    }
    writeln!(out, "Run `retort autogenerate -m \"...\"` to write it.")?;
    Ok(1)
}
