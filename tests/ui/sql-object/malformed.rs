// retort::function! and retort::trigger! take one string literal whose first words say what
// it creates.
retort::function!(CREATE FUNCTION f());
retort::function!("CREATE TABLE t (id integer)");
retort::function!("  -- a comment\n  SELECT 1");
retort::trigger!("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$");
retort::trigger!("CREATE TRIGGER t AFTER INSERT");

fn main() {}
