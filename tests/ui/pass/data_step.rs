// A data step compiles, registers under its revision and name, and runs through the registry.

#[retort::data_migration(revision = "3f2a9c1d7b10")]
fn split_names(conn: &mut retort::Conn) -> retort::Result<()> {
    let _ = conn.backend();
    Ok(())
}

/// Any error that converts into a boxed error.
#[retort::data_migration(revision = "3f2a9c1d7b10")]
fn with_own_error(_conn: &mut retort::Conn) -> Result<(), std::io::Error> {
    Err(std::io::Error::other("disk on fire"))
}

fn main() {
    let step = retort::data::find("3f2a9c1d7b10", "split_names").expect("registered");
    assert_eq!(step.name, "split_names");
    assert_eq!(step.hash.len(), 16);
    assert!(step.file.ends_with("data_step.rs"));
    assert!(retort::data::find("3f2a9c1d7b10", "with_own_error").is_some());
    assert!(retort::data::find("3f2a9c1d7b10", "missing").is_none());
}
