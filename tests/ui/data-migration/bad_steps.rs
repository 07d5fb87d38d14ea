// Every problem of a data step is reported at once, each at its place.

#[retort::data_migration(revision = "3F2A")]
async fn wrong_id_and_async(conn: &mut retort::Conn) -> retort::Result<()> {
    let _ = conn;
    Ok(())
}

#[retort::data_migration(revision = "3f2a9c1d7b10", name = "x")]
fn unknown_key(conn: &mut retort::Conn) -> retort::Result<()> {
    let _ = conn;
    Ok(())
}

#[retort::data_migration]
fn no_revision(conn: &mut retort::Conn) -> retort::Result<()> {
    let _ = conn;
    Ok(())
}

#[retort::data_migration(revision = "3f2a9c1d7b10")]
fn bad_signature<T>(a: i32, b: T) {}

#[retort::data_migration(revision = "3f2a9c1d7b10")]
struct NotAFunction;

fn main() {}
