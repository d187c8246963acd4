//! A tiny ring buffer.

use std::fmt;

/// A fixed-capacity ring buffer that overwrites its oldest element.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    buf: Vec<Option<T>>,
    head: usize,
    len: usize,
}

impl<T: Clone> Ring<T> {
    /// Creates an empty ring holding at most `cap` elements.
    pub fn new(cap: usize) -> Self {
        assert!(cap > 0, "capacity must be positive");
        Ring { buf: vec![None; cap], head: 0, len: 0 }
    }

    /// Pushes a value, returning the one it overwrote.
    pub fn push(&mut self, v: T) -> Option<T> {
        let cap = self.buf.len();
        let idx = (self.head + self.len) % cap;
        let old = self.buf[idx].replace(v);
        if self.len == cap {
            self.head = (self.head + 1) % cap;
        } else {
            self.len += 1;
        }
        old
    }
}

impl<T: fmt::Display> fmt::Display for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in self.buf.iter().flatten() {
            write!(f, "{} ", v)?;
        }
        Ok(())
    }
}

/// Things that can be drained.
pub trait Drain {
    fn drain_all(&mut self) -> usize;

    /// Drains and reports whether anything was there.
    fn drain_any(&mut self) -> bool {
        self.drain_all() > 0
    }
}

pub enum Mode {
    Overwrite,
    Reject,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_overwrites() {
        let mut r = Ring::new(2);
        r.push(1);
        r.push(2);
        assert_eq!(r.push(3), Some(1));
    }
}
