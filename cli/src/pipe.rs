//! Standard output into a pipe whose reader may go away (`retort history | head`): a write
//! that fails with EPIPE is remembered, so the run ends quietly with exit 0, as other
//! command-line tools do, instead of reporting an error.

use std::io::Write;

/// Standard output, remembering whether a write failed because its reader closed the pipe.
pub(crate) struct PipeAware<W> {
    inner: W,
    broken: bool,
}

impl<W: Write> PipeAware<W> {
    pub(crate) fn new(inner: W) -> Self {
        PipeAware {
            inner,
            broken: false,
        }
    }

    /// Whether a write failed because the reader closed the pipe.
    pub(crate) fn broken(&self) -> bool {
        self.broken
    }

    fn note<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result {
            self.broken |= e.kind() == std::io::ErrorKind::BrokenPipe;
        }
        result
    }
}

impl<W: Write> Write for PipeAware<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// Whether `e` comes from writing to a closed pipe.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_remembered_and_recognised() {
        let mut out = PipeAware::new(Closed);
        assert!(!out.broken());
        let err = writeln!(out, "x").unwrap_err();
        assert!(out.broken());
        let e = anyhow::Error::from(err).context("writing the history");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")));
    }
}
