//! Serde for tri-state request fields, `Option<Option<T>>`: with `#[serde(default,
//! skip_serializing_if = "Option::is_none")]`, `None` leaves the key out, `Some(None)` is
//! `null` and `Some(Some(v))` is `v`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `Some(None)` as `null` and `Some(Some(v))` as `v`. `None` is skipped by the field's
/// `skip_serializing_if` and never reaches here; should it, it is written as `null` as well.
pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    match value {
        Some(Some(value)) => value.serialize(serializer),
        _ => serializer.serialize_none(),
    }
}

/// Reads `null` as `Some(None)` and a value as `Some(Some(v))`; an absent key is `None` through
/// the field's `default`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
