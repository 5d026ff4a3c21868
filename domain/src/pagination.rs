//! Keyset pagination: a page request is "the first N after this key", never an offset.

use crate::error::{DomainError, DomainResult};

/// Page size when the client does not ask for one.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// The largest page any list returns.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A validated request for one page: at most [`MAX_PAGE_SIZE`] items after `after`
/// (a key in the list's sort order, decoded from the client's cursor by the edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    first: u32,
    after: Option<K>,
}

impl<K> PageRequest<K> {
    /// `first` defaults to [`DEFAULT_PAGE_SIZE`]; a negative value or one above
    /// [`MAX_PAGE_SIZE`] is refused rather than silently clamped.
    pub fn new(first: Option<i64>, after: Option<K>) -> DomainResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=i64::from(MAX_PAGE_SIZE)).contains(&n) => n as u32,
            Some(_) => {
                return Err(DomainError::validation(
                    &["first"],
                    format!("must be between 0 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        Ok(Self { first, after })
    }

    pub fn first(&self) -> u32 {
        self.first
    }

    pub fn after(&self) -> Option<&K> {
        self.after.as_ref()
    }

    /// How many rows a repository fetches: one more than the page, to learn whether
    /// another page follows without counting.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.first) + 1
    }
}

/// One page of items in list order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from `fetch_limit()` rows: the extra row only says that more follow.
    pub fn from_overfetch<K>(mut rows: Vec<T>, request: &PageRequest<K>) -> Self {
        let has_next_page = rows.len() > request.first as usize;
        rows.truncate(request.first as usize);
        Self {
            items: rows,
            has_next_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(PageRequest::<()>::new(None, None).unwrap().first(), 20);
        assert_eq!(
            PageRequest::<()>::new(Some(100), None).unwrap().first(),
            100
        );
        assert_eq!(PageRequest::<()>::new(Some(0), None).unwrap().first(), 0);
        let err = PageRequest::<()>::new(Some(100_000), None).unwrap_err();
        assert_eq!(err.field_errors()[0].field, vec!["first".to_string()]);
        assert!(PageRequest::<()>::new(Some(-1), None).is_err());
    }

    proptest! {
        #[test]
        fn overfetch_never_returns_more_than_first(first in 0u32..=100, rows in 0usize..250) {
            let req = PageRequest::<()>::new(Some(i64::from(first)), None).unwrap();
            let fetched: Vec<usize> = (0..rows.min(req.fetch_limit() as usize)).collect();
            let page = Page::from_overfetch(fetched.clone(), &req);
            prop_assert!(page.items.len() <= first as usize);
            prop_assert_eq!(page.has_next_page, fetched.len() > first as usize);
            prop_assert_eq!(&page.items[..], &fetched[..page.items.len()]);
        }
    }
}
