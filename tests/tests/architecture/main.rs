//! The house rules a reader cannot see from one file, as tests over the source tree: no import
//! cycles between modules, and a curated public API. One binary (each test binary costs a link
//! on CI).

mod cycles;
mod public_api;
mod seam;
mod source;
