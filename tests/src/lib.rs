//! Integration tests for Retort live in `tests/integration/`. The binaries in `src/bin/` are
//! Retort CLIs over different versions of a test application's models (`retort_v1`,
//! `retort_v2`) and over no models at all (`retort_none`), so tests can change the models
//! between two runs of the real CLI, as a user does.
