//! A `tracing` subscriber that keeps every span's fields and every event, so that tests can
//! assert what the SDK logs (and what it must never log).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One span: its name and the last value recorded for each field, as text.
#[derive(Debug, Clone, Default)]
pub struct CapturedSpan {
    /// The span's name.
    pub name: String,
    /// Field values, formatted with `Debug` (strings without quotes).
    pub fields: BTreeMap<String, String>,
}

/// What a [`Capture`] saw.
#[derive(Debug, Default)]
struct Seen {
    spans: BTreeMap<u64, CapturedSpan>,
    events: Vec<String>,
}

/// The subscriber; clone it before installing to read what it captured.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    seen: Arc<Mutex<Seen>>,
    next_id: Arc<AtomicU64>,
}

impl Capture {
    /// Every span, in creation order.
    pub fn spans(&self) -> Vec<CapturedSpan> {
        self.seen().spans.values().cloned().collect()
    }

    /// Every event, as `field=value` pairs joined by spaces.
    pub fn events(&self) -> Vec<String> {
        self.seen().events.clone()
    }

    /// Everything captured as one text, to search for what must not be there.
    pub fn all_text(&self) -> String {
        let seen = self.seen();
        let spans = seen.spans.values().map(|span| format!("{span:?}"));
        spans
            .chain(seen.events.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut span = CapturedSpan {
            name: attributes.metadata().name().to_owned(),
            fields: BTreeMap::new(),
        };
        attributes.record(&mut Fields(&mut span.fields));
        self.seen().spans.insert(id, span);
        Id::from_u64(id)
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        if let Some(span) = self.seen().spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let text = fields
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(" ");
        self.seen().events.push(text);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
