//! Cursor pagination as streams: every page ([`Pages`]) or every item ([`Items`]), fetched one
//! page at a time, only as the stream is read.
//!
//! The builders of cursor-paginated operations (`users().list()`,
//! `users().list_organizations(id)`, `organizations().list()`,
//! `organizations().list_members(id)`, `invitations().list()`) have `.pages()`, `.items()` and
//! `.collect_items(max)`:
//!
//! ```no_run
//! # async fn run(torii: torii_backend::Client) -> Result<(), torii_backend::Error> {
//! // Items one by one; a page of 100 is fetched whenever the last one is used up.
//! let mut users = torii.users().list().limit(100).items();
//! while let Some(user) = users.next().await {
//!     println!("{}", user?.id);
//! }
//! // At most 500 users, in as few pages as that takes.
//! let first_500 = torii.users().list().limit(100).collect_items(500).await?;
//! # let _ = first_500; Ok(()) }
//! ```
//!
//! Both types are [`Stream`]s too, for `futures::StreamExt` and friends. The stream ends after
//! the page whose `hasMore` is false, and after the first error (the error is its last item).
//! Dropping it sends nothing more. Each page request is retried under the client's
//! [`RetryPolicy`](super::RetryPolicy), as the same call made alone would be.

use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;

use crate::__private::BoxFuture;
use crate::error::Error;

/// A request builder of a cursor-paginated operation (implemented by the generated builders).
pub trait Paginated: Clone + Send + Unpin + 'static {
    /// The page the operation answers.
    type Page: Send + 'static;
    /// One item of a page.
    type Item: Send + 'static;
    /// The cursor that selects the next page.
    type Cursor: Clone + PartialEq + Send + Unpin + 'static;

    /// This request, for the page after `cursor`.
    fn with_cursor(self, cursor: Self::Cursor) -> Self;

    /// The cursor this request sends, if any (none for the first page).
    fn cursor(&self) -> Option<&Self::Cursor>;

    /// Sends the request.
    fn fetch(self) -> BoxFuture<Result<Self::Page, Error>>;

    /// The cursor of the next page, if `page` says there is one.
    fn next_cursor(page: &Self::Page) -> Option<Self::Cursor>;

    /// The items of `page`.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

type PageFuture<R> = BoxFuture<Result<<R as Paginated>::Page, Error>>;

/// Every page of a paginated operation, fetched as the stream is read.
#[must_use = "a stream does nothing until it is read"]
pub struct Pages<R: Paginated> {
    /// The request for the next page; `None` once the last page or an error was returned.
    next: Option<R>,
    /// The request being sent, kept to ask for the page after it.
    in_flight: Option<(R, PageFuture<R>)>,
    /// Cursors already followed, to stop on a server that repeats one instead of looping.
    last_cursor: Option<R::Cursor>,
    /// The request whose page failed, kept for [`Pages::next_cursor`].
    failed: Option<R>,
    /// The cursor of the last page returned (`None` for the first page), for
    /// [`Items::next_cursor`] while that page's items are still being read.
    read_cursor: Option<R::Cursor>,
}

impl<R: Paginated> Pages<R> {
    /// The pages of `request`, starting with the page it asks for.
    #[doc(hidden)]
    pub fn new(request: R) -> Self {
        Self {
            next: Some(request),
            in_flight: None,
            last_cursor: None,
            failed: None,
            read_cursor: None,
        }
    }

    /// The next page, `None` after the last one or an error.
    pub async fn next(&mut self) -> Option<Result<R::Page, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The cursor of the page this stream fetches next; after an error, of the page that
    /// failed, to resume from with the list builder's `.cursor(..)` (as
    /// [`Items::next_cursor`] shows). `None` when that page is the first one the request asked
    /// for without a cursor (start the request again), and after the last page.
    pub fn next_cursor(&self) -> Option<&R::Cursor> {
        let pending = match (&self.in_flight, &self.next, &self.failed) {
            (Some((request, _)), _, _) | (None, Some(request), _) | (None, None, Some(request)) => {
                request
            }
            (None, None, None) => return None,
        };
        pending.cursor()
    }
}

impl<R: Paginated> Stream for Pages<R> {
    type Item = Result<R::Page, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.in_flight.is_none() {
            let Some(request) = this.next.take() else {
                return Poll::Ready(None);
            };
            let sending = request.clone().fetch();
            this.in_flight = Some((request, sending));
        }
        let Some((_, sending)) = this.in_flight.as_mut() else {
            return Poll::Ready(None);
        };
        let result = ready!(sending.as_mut().poll(cx));
        let Some((request, _)) = this.in_flight.take() else {
            return Poll::Ready(None);
        };
        let Ok(page) = &result else {
            this.failed = Some(request);
            return Poll::Ready(Some(result));
        };
        this.read_cursor = request.cursor().cloned();
        match R::next_cursor(page) {
            Some(cursor) if this.last_cursor.as_ref() == Some(&cursor) => {
                tracing::warn!("the server repeated a page cursor; stopping the pagination");
            }
            Some(cursor) => {
                this.last_cursor = Some(cursor.clone());
                this.next = Some(request.with_cursor(cursor));
            }
            None => {}
        }
        Poll::Ready(Some(result))
    }
}

impl<R: Paginated + fmt::Debug> fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next", &self.next)
            .field("in_flight", &self.in_flight.is_some())
            .finish_non_exhaustive()
    }
}

/// Every item of a paginated operation, a page fetched whenever the previous one is used up.
#[must_use = "a stream does nothing until it is read"]
pub struct Items<R: Paginated> {
    pages: Pages<R>,
    buffered: VecDeque<R::Item>,
}

impl<R: Paginated> Items<R> {
    /// The items of `request` and of the pages after it.
    #[doc(hidden)]
    pub fn new(request: R) -> Self {
        Self {
            pages: Pages::new(request),
            buffered: VecDeque::new(),
        }
    }

    /// The next item, `None` after the last one or an error.
    pub async fn next(&mut self) -> Option<Result<R::Item, Error>> {
        poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The cursor of the page the next item comes from; after an error, of the page that
    /// failed, to resume from with the list builder's `.cursor(..)`. An error is returned only
    /// once the items of the pages before it are all read, so resuming there skips nothing and
    /// repeats nothing. `None` when that page is the first one (start the request again), and
    /// after the last page.
    ///
    /// ```no_run
    /// # async fn run(torii: torii_backend::Client) -> Result<(), torii_backend::Error> {
    /// let mut users = torii.users().list().limit(100).items();
    /// let mut seen = Vec::new();
    /// while let Some(user) = users.next().await {
    ///     match user {
    ///         Ok(user) => seen.push(user.id),
    ///         Err(error) if error.is_retryable() => {
    ///             // Retries are used up; later (a queue's next run, say), go on from there.
    ///             let mut rest = torii.users().list().limit(100);
    ///             if let Some(cursor) = users.next_cursor() {
    ///                 rest = rest.cursor(*cursor);
    ///             }
    ///             for user in rest.collect_items(10_000).await? {
    ///                 seen.push(user.id);
    ///             }
    ///         }
    ///         Err(error) => return Err(error),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn next_cursor(&self) -> Option<&R::Cursor> {
        if self.buffered.is_empty() {
            self.pages.next_cursor()
        } else {
            // Items of the last page read are still to come: its cursor is the resume point.
            self.pages.read_cursor.as_ref()
        }
    }
}

// Nothing in `Items` is pinned in place (items are moved out of the buffer), so it is `Unpin`
// whatever the item type.
impl<R: Paginated> Unpin for Items<R> {}

impl<R: Paginated> Stream for Items<R> {
    type Item = Result<R::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            // An empty page that says more follow is skipped, not taken for the end.
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.buffered.extend(R::into_items(page)),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<R: Paginated + fmt::Debug> fmt::Debug for Items<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered.len())
            .finish()
    }
}

/// Up to `max` items of `request` and the pages after it; no page is fetched once `max` are
/// in hand.
///
/// # Errors
///
/// The first error of any page request; the items read before it are dropped with it.
pub async fn collect_items<R: Paginated>(request: R, max: usize) -> Result<Vec<R::Item>, Error> {
    let mut collected = Vec::new();
    if max == 0 {
        return Ok(collected);
    }
    let mut items = Items::new(request);
    while let Some(item) = items.next().await {
        collected.push(item?);
        if collected.len() == max {
            break;
        }
    }
    Ok(collected)
}
