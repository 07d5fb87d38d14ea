//! Text from migrations (messages, dates, paths, scripts) printed to a terminal: control
//! characters are escaped ([`retort::shown`]).

pub(crate) use retort::shown::{block, line};
