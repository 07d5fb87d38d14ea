//! Collects every error found while reading a `#[derive(Model)]` input, so that the user sees
//! all of them in one compile instead of fixing them one at a time.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// The error collector threaded through parsing and checking.
///
/// Errors are reported in the order they were found. [`Ctxt::check`] must be called before the
/// context is dropped; forgetting to do so is a bug in the macro and panics.
#[derive(Debug)]
pub struct Ctxt {
    /// `None` once [`Ctxt::check`] has consumed the errors.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error whose span covers all of `tokens` (first token to last).
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records an error produced by `syn` (a parse error, usually).
    pub fn syn_error(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check()")
            .push(error);
    }

    /// Consumes the context: `Err` with every recorded error combined into one, in order.
    pub fn check(self) -> Result<(), syn::Error> {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt::new()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("Ctxt dropped without check()");
        }
    }
}
