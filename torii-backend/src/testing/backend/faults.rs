//! Breaking the mock's Backend API on purpose: which faults exist and which requests get them.

use std::time::Duration;

use crate::Operation;

/// A way to break the mock's Backend API for some requests; see
/// [`MockTorii::fail_next`](crate::testing::MockTorii::fail_next) and
/// [`MockTorii::fail_operation`](crate::testing::MockTorii::fail_operation).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiFault {
    /// 429 Too Many Requests as problem+json, with `Retry-After` in whole seconds (rounded
    /// up) when given.
    RateLimited {
        /// The `Retry-After` to send, if any.
        retry_after: Option<Duration>,
    },
    /// 503 Service Unavailable as problem+json.
    Unavailable,
    /// This status as problem+json, with `code` `injected_fault`.
    Status(u16),
    /// This status with `body` as `text/plain`: an error that is not JSON, as a proxy in front of
    /// Torii might send.
    RawBody {
        /// The status.
        status: u16,
        /// The body, sent as it is.
        body: String,
    },
    /// Wait this long, then handle the request normally.
    Slow(Duration),
    /// Never answer (until the client gives up or the mock is dropped).
    Hang,
    /// Close the connection without answering.
    DropConnection,
}

impl ApiFault {
    /// Its name in the control API's JSON (`"type"` of `POST /_mock/v1/faults`).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rateLimited",
            Self::Unavailable => "unavailable",
            Self::Status(_) => "status",
            Self::RawBody { .. } => "rawBody",
            Self::Slow(_) => "slow",
            Self::Hang => "hang",
            Self::DropConnection => "dropConnection",
        }
    }
}

#[derive(Debug)]
struct Rule {
    operation: Option<Operation>,
    remaining: usize,
    fault: ApiFault,
}

/// The faults still to be served, in the order they were planned.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    rules: Vec<Rule>,
}

impl FaultPlan {
    /// Plans `fault` for the next `requests` requests to `operation` (any operation when
    /// `None`).
    pub(crate) fn add(&mut self, operation: Option<Operation>, requests: usize, fault: ApiFault) {
        if requests > 0 {
            self.rules.push(Rule {
                operation,
                remaining: requests,
                fault,
            });
        }
    }

    /// The fault for one request to `operation`, using up one of its planned requests.
    pub(crate) fn take(&mut self, operation: Operation) -> Option<ApiFault> {
        let index = self
            .rules
            .iter()
            .position(|rule| rule.operation.is_none_or(|op| op == operation))?;
        let rule = self.rules.get_mut(index)?;
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            self.rules.remove(index);
        }
        Some(fault)
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_used_up_in_order_and_only_by_their_operation() {
        let mut plan = FaultPlan::default();
        plan.add(Some(Operation::GetUser), 2, ApiFault::Unavailable);
        plan.add(None, 1, ApiFault::Hang);
        plan.add(None, 0, ApiFault::DropConnection);

        assert_eq!(plan.take(Operation::ListSessions), Some(ApiFault::Hang));
        assert_eq!(plan.take(Operation::ListSessions), None);
        assert_eq!(plan.take(Operation::GetUser), Some(ApiFault::Unavailable));
        assert_eq!(plan.take(Operation::GetUser), Some(ApiFault::Unavailable));
        assert_eq!(plan.take(Operation::GetUser), None);
    }
}
